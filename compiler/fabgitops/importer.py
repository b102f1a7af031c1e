"""``import-cryptogen``: a crypto-config.yaml (and configtx.yaml) becomes one cluster-config.

cryptogen's keys carry over unchanged. From configtx.yaml come the MSP IDs, anchor peers, org
policies, the orderer type and batch settings, the Fabric version (from the capabilities) and
one channel per application profile. What cannot be carried over is said in ``notes``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fabgitops.dns import label_problem
from fabgitops.errors import ConfigInvalid
from fabgitops.yamlio import Document

CRYPTOGEN_ORG_KEYS = ("Name", "Domain", "EnableNodeOUs", "CA", "Template", "Specs", "Users")
_MSP_DIR = re.compile(r"(peer|orderer)Organizations/([^/]+)/msp/?$")
_CONSENSUS = {"solo": "solo", "kafka": "kafka", "etcdraft": "etcdraft", "BFT": "BFT"}
_RAFT_OPTIONS = ("TickInterval", "ElectionTick", "HeartbeatTick", "MaxInflightBlocks",
                 "SnapshotIntervalSize")


@dataclass
class Imported:
    """The equivalent cluster-config and what the import could not keep as it was."""

    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def import_cryptogen(
    crypto: Document, configtx: Document | None = None, channel_ids: Mapping[str, str] = {}
) -> Imported:
    """Build a cluster-config from cryptogen's (and configtxgen's) inputs.

    Args:
        crypto: the parsed crypto-config.yaml.
        configtx: the parsed configtx.yaml, if any.
        channel_ids: channel ID per application profile (default: the profile name in lower
            case), since configtxgen takes channel IDs on its command line.

    Raises:
        ConfigInvalid: the crypto-config is not a mapping with org lists.
    """
    data = crypto.data
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k, []), list) for k in ("OrdererOrgs", "PeerOrgs")
    ):
        raise ConfigInvalid([crypto.issue((), "a crypto-config has lists OrdererOrgs and "
                                              "PeerOrgs of organizations")])
    result = Imported({})
    domains: dict[str, str] = {}
    for section in ("OrdererOrgs", "PeerOrgs"):
        orgs = [_org(org, result, domains) for org in data.get(section) or [] if
                isinstance(org, dict)]
        if orgs:
            result.config[section] = orgs
    if configtx is not None and isinstance(configtx.data, dict):
        _apply_configtx(configtx.data, result, domains, channel_ids)
    sections = ("Network", "OrdererOrgs", "PeerOrgs", "Consensus", "Channels")
    ordered: dict[str, Any] = {k: result.config[k] for k in sections if k in result.config}
    return Imported(ordered, result.notes)


def _org(org: dict[str, Any], result: Imported, domains: dict[str, str]) -> dict[str, Any]:
    out = {k: org[k] for k in CRYPTOGEN_ORG_KEYS if k in org}
    for key in sorted(set(org) - set(CRYPTOGEN_ORG_KEYS)):
        result.notes.append(f"org {org.get('Name')!r}: key {key!r} is not a cryptogen key; "
                            "dropped")
    domain = str(org.get("Domain", ""))
    if domain and label_problem(domain):
        label = re.sub(r"[^a-z0-9-]+", "-", domain.lower()).strip("-")[:63].strip("-")
        result.notes.append(
            f"Domain {domain!r} becomes {label!r}: the domain is the Kubernetes namespace and "
            f"node names (<host>.<domain>) must resolve as <service>.<namespace>, so it must be "
            "a DNS-1123 label; certificate names change accordingly"
        )
        out["Domain"] = label
    domains[domain] = str(out.get("Domain", domain))
    return out


def _apply_configtx(
    configtx: dict[str, Any],
    result: Imported,
    domains: dict[str, str],
    channel_ids: Mapping[str, str],
) -> None:
    orgs_by_domain = {
        org["Domain"]: org for section in ("OrdererOrgs", "PeerOrgs")
        for org in result.config.get(section, [])
    }
    names: dict[str, str] = {}
    for entry in configtx.get("Organizations") or []:
        if isinstance(entry, dict):
            matched = _match_org(entry, orgs_by_domain, domains, result)
            if matched is not None:
                org, original_domain = matched
                names[str(entry.get("Name"))] = org["Name"]
                _org_settings(entry, org, original_domain, result)
    profiles = configtx.get("Profiles") or {}
    orderer = next((p["Orderer"] for p in profiles.values() if isinstance(p, dict) and
                    isinstance(p.get("Orderer"), dict)), configtx.get("Orderer"))
    if isinstance(orderer, dict):
        _consensus(orderer, result)
    _version(configtx, profiles, result)
    channels = []
    for profile_name, profile in profiles.items():
        app = profile.get("Application") if isinstance(profile, dict) else None
        if isinstance(app, dict):
            channels.append(_channel(profile_name, app, names, channel_ids))
    if channels:
        result.config["Channels"] = channels


def _match_org(
    entry: dict[str, Any],
    orgs_by_domain: dict[str, dict[str, Any]],
    domains: dict[str, str],
    result: Imported,
) -> tuple[dict[str, Any], str] | None:
    """The crypto-config org whose MSP directory the configtx org points at."""
    match = _MSP_DIR.search(str(entry.get("MSPDir", "")))
    if match:
        original = match.group(2)
        org = orgs_by_domain.get(domains.get(original, original))
        if org is not None:
            return org, original
    result.notes.append(f"configtx org {entry.get('Name')!r}: its MSPDir "
                        f"{entry.get('MSPDir')!r} names no org of the crypto-config; skipped")
    return None


def _org_settings(
    entry: dict[str, Any], org: dict[str, Any], original_domain: str, result: Imported
) -> None:
    msp_id = entry.get("ID")
    if msp_id and msp_id != f"{org['Name']}MSP":
        org["MSPID"] = msp_id
    anchors = []
    for peer in entry.get("AnchorPeers") or []:
        host = str(peer.get("Host", "")) if isinstance(peer, dict) else ""
        # configtx names anchors by FQDN in the original domain: keep the host name.
        if host.endswith(f".{original_domain}"):
            anchors.append(host[: -len(original_domain) - 1])
        else:
            result.notes.append(f"org {org['Name']!r}: anchor peer {host!r} is not a node of "
                                f"domain {org['Domain']!r}; dropped")
    if anchors:
        org["AnchorPeers"] = anchors
    policies = entry.get("Policies")
    if isinstance(policies, dict) and policies:
        org["Policies"] = policies


def _consensus(orderer: dict[str, Any], result: Imported) -> None:
    consensus: dict[str, Any] = {}
    kind = _CONSENSUS.get(str(orderer.get("OrdererType", "")))
    if kind:
        consensus["Type"] = kind
    if orderer.get("BatchTimeout"):
        consensus["BatchTimeout"] = orderer["BatchTimeout"]
    batch = orderer.get("BatchSize")
    if isinstance(batch, dict):
        consensus["BatchSize"] = {k: batch[k] for k in
                                  ("MaxMessageCount", "AbsoluteMaxBytes", "PreferredMaxBytes")
                                  if k in batch}
    options = (orderer.get("EtcdRaft") or {}).get("Options")
    if kind == "etcdraft" and isinstance(options, dict):
        consensus["EtcdRaft"] = {k: options[k] for k in _RAFT_OPTIONS if k in options}
    brokers = (orderer.get("Kafka") or {}).get("Brokers") or []
    if kind == "kafka":
        result.notes.append(f"Kafka brokers {brokers} are replaced by a ZooKeeper ensemble and "
                            "Kafka brokers that fabgitops runs (Consensus.Kafka)")
    if orderer.get("Addresses"):
        result.notes.append("Orderer.Addresses are derived from the orderer nodes "
                            "(per-org Endpoints)")
    if consensus:
        result.config["Consensus"] = consensus


def _version(configtx: dict[str, Any], profiles: dict[str, Any], result: Imported) -> None:
    capabilities = set((configtx.get("Capabilities") or {}).get("Channel") or {})
    for profile in profiles.values():
        if isinstance(profile, dict):
            capabilities |= set(profile.get("Capabilities") or {})
    kind = result.config.get("Consensus", {}).get("Type")
    version = "3.1" if "V3_0" in capabilities or kind == "BFT" else "2.5"
    if version == "2.5" and not any(c.startswith("V2") for c in capabilities):
        result.notes.append("the configtx.yaml predates Fabric 2: the network is upgraded to "
                            "Fabric 2.5 (channel capability V2_0, application V2_5)")
    result.config["Network"] = {"FabricVersion": version}


def _channel(
    profile_name: str, app: dict[str, Any], names: dict[str, str], channel_ids: Mapping[str, str]
) -> dict[str, Any]:
    members = [names[str(o.get("Name"))] for o in app.get("Organizations") or []
               if isinstance(o, dict) and str(o.get("Name")) in names]
    channel: dict[str, Any] = {
        "Name": channel_ids.get(profile_name, re.sub(r"[^a-z0-9.-]", "", profile_name.lower())),
        "Organizations": members,
    }
    if isinstance(app.get("Policies"), dict) and app["Policies"]:
        channel["Policies"] = app["Policies"]
    if isinstance(app.get("ACLs"), dict) and app["ACLs"]:
        channel["ACLs"] = app["ACLs"]
    return channel
