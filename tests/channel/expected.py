"""Expected channel configs, written from Fabric's sources (not from our encoder): configtxgen's
internal/configtxgen/encoder/encoder.go, common/genesis/genesis.go and the fabric-protos messages.

Each helper returns the JSON configtxlator prints for that element (protolator's format: int64
versions as strings, every field present, embedded messages decoded, empty ones ``null``), so a
test can compare a decoded artifact with one ``==`` and see the whole tree.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from fabgitops.plan import Org, Plan

Json = Any
ADMINS = "Admins"
ORDERER_ADMINS = "/Channel/Orderer/Admins"


def b64(data: bytes) -> str:
    """Bytes as protojson writes them."""
    return base64.b64encode(data).decode()


def group(*, groups: Mapping[str, Json] | None = None, values: Mapping[str, Json] | None = None,
          policies: Mapping[str, Json] | None = None, mod_policy: str = ADMINS,
          version: int = 0) -> Json:
    """A ConfigGroup."""
    return {"groups": dict(groups or {}), "mod_policy": mod_policy,
            "policies": dict(policies or {}), "values": dict(values or {}),
            "version": str(version)}


def value(content: Json, mod_policy: str = ADMINS, version: int = 0) -> Json:
    """A ConfigValue holding ``content`` (None: an empty message)."""
    return {"mod_policy": mod_policy, "value": content, "version": str(version)}


def bare_value(version: int = 0) -> Json:
    """A read-set value: only its version."""
    return value(None, "", version)


def bare_policy(version: int = 0) -> Json:
    """A read-set policy: only its version."""
    return {"mod_policy": "", "policy": None, "version": str(version)}


def implicit(rule: str, sub_policy: str, mod_policy: str = ADMINS) -> Json:
    """An IMPLICIT_META (type 3) policy."""
    return {"mod_policy": mod_policy,
            "policy": {"type": 3, "value": {"rule": rule, "sub_policy": sub_policy}},
            "version": "0"}


def any_of(msp_id: str, *roles: str) -> Json:
    """The SIGNATURE (type 1) policy of ``OR('<msp>.<role>', ...)``: one principal per role."""
    return signature(1, [{"principal": {"msp_identifier": msp_id, "role": r.upper()},
                          "principal_classification": "ROLE"} for r in roles])


def signature(n: int, identities: list[Json], rule: Json | None = None,
              mod_policy: str = ADMINS) -> Json:
    """A SIGNATURE policy: n out of the identities in order, unless ``rule`` is given."""
    if rule is None:
        rule = {"n_out_of": {"n": n, "rules": [{"signed_by": i}
                                                for i in range(len(identities))]}}
    return {"mod_policy": mod_policy,
            "policy": {"type": 1, "value": {"identities": identities, "rule": rule,
                                            "version": 0}},
            "version": "0"}


def capabilities(*names: str) -> Json:
    """A Capabilities value."""
    return value({"capabilities": {n: {} for n in names}})


def standard_policies() -> dict[str, Json]:
    """Readers ANY Readers, Writers ANY Writers, Admins MAJORITY Admins."""
    return {"Readers": implicit("ANY", "Readers"), "Writers": implicit("ANY", "Writers"),
            "Admins": implicit("MAJORITY", "Admins")}


def msp(material: Mapping[str, bytes], org: Org) -> Json:
    """The MSP value: whole PEM files, NodeOUs pointing at the CA certificate when enabled."""
    base = f"{org.crypto_dir}/msp"
    ca = material[f"{base}/cacerts/{org.ca.common_name}-cert.pem"]
    node_ous = None
    if org.enable_node_ous:
        node_ous = {"enable": True, **{
            f"{kind}_ou_identifier": {"certificate": b64(ca),
                                      "organizational_unit_identifier": kind}
            for kind in ("admin", "client", "orderer", "peer")}}
    admins = [] if org.enable_node_ous else [
        b64(material[f"{base}/admincerts/{org.admin.common_name}-cert.pem"])]
    return value({"config": {
        "admins": admins,
        "crypto_config": {"identity_identifier_hash_function": "SHA256",
                          "signature_hash_family": "SHA2"},
        "fabric_node_ous": node_ous,
        "intermediate_certs": [],
        "name": org.msp_id,
        "organizational_unit_identifiers": [],
        "revocation_list": [],
        "root_certs": [b64(ca)],
        "signing_identity": None,
        "tls_intermediate_certs": [],
        "tls_root_certs": [b64(material[f"{base}/tlscacerts/{org.ca.tls_common_name}-cert.pem"])],
    }, "type": 0})


def app_org_policies(org: Org) -> dict[str, Json]:
    """The fabric-samples org policies (member/admin roles without NodeOUs)."""
    m = org.msp_id
    if org.enable_node_ous:
        return {"Readers": any_of(m, "admin", "peer", "client"),
                "Writers": any_of(m, "admin", "client"), "Admins": any_of(m, "admin"),
                "Endorsement": any_of(m, "peer")}
    return {"Readers": any_of(m, "member"), "Writers": any_of(m, "member"),
            "Admins": any_of(m, "admin"), "Endorsement": any_of(m, "member")}


def app_org(material: Mapping[str, bytes], org: Org, *, anchors: bool = True) -> Json:
    """An application (or consortium) org group."""
    values = {"MSP": msp(material, org)}
    if anchors:
        values["AnchorPeers"] = value({"anchor_peers": [
            {"host": f"{h}.{org.namespace}", "port": 7051} for h in org.anchor_peers]})
    return group(values=values, policies=app_org_policies(org))


def orderer_org(material: Mapping[str, bytes], org: Org) -> Json:
    """An orderer org group with its Endpoints."""
    m = org.msp_id
    return group(
        values={"MSP": msp(material, org), "Endpoints": value({"addresses": [
            f"{n.hostname}.{org.namespace}:7050" for n in org.nodes]})},
        policies={"Readers": any_of(m, "member"), "Writers": any_of(m, "member"),
                  "Admins": any_of(m, "admin")})


def application(material: Mapping[str, bytes], plan: Plan, channel: str,
                acls: Mapping[str, str] | None = None) -> Json:
    """The Application group of a channel with default policies and V2_5."""
    members = next(c for c in plan.channels if c.name == channel).peer_orgs
    values = {"Capabilities": capabilities("V2_5")}
    if acls:
        values["ACLs"] = value({"acls": {k: {"policy_ref": v} for k, v in acls.items()}})
    return group(
        groups={n: app_org(material, plan.org(n)) for n in members}, values=values,
        policies={**standard_policies(),
                  "LifecycleEndorsement": implicit("MAJORITY", "Endorsement"),
                  "Endorsement": implicit("MAJORITY", "Endorsement")})


def orderer_values(plan: Plan, consensus: Json, *, timeout: str = "2s", count: int = 500,
                   absolute: int = 10 * 2**20, preferred: int = 2 * 2**20) -> dict[str, Json]:
    """BatchSize, BatchTimeout, ChannelRestrictions (empty), Capabilities, ConsensusType."""
    return {
        "BatchSize": value({"absolute_max_bytes": absolute, "max_message_count": count,
                            "preferred_max_bytes": preferred}),
        "BatchTimeout": value({"timeout": timeout}),
        "ChannelRestrictions": value(None),
        "Capabilities": capabilities("V2_0"),
        "ConsensusType": value({**consensus, "state": "STATE_NORMAL"}),
    }


def tls_cert(material: Mapping[str, bytes], org: Org, cn: str) -> bytes:
    """An orderer's tls/server.crt."""
    return material[f"{org.crypto_dir}/orderers/{cn}/tls/server.crt"]


def raft_consensus(material: Mapping[str, bytes], plan: Plan,
                   options: Mapping[str, Json] | None = None) -> Json:
    """ConsensusType etcdraft with every orderer as consenter and the default options."""
    consenters = [{"client_tls_cert": b64(tls_cert(material, org, n.identity.common_name)),
                   "host": f"{n.hostname}.{org.namespace}", "port": 7050,
                   "server_tls_cert": b64(tls_cert(material, org, n.identity.common_name))}
                  for org, n in plan.orderers()]
    defaults = {"election_tick": 10, "heartbeat_tick": 1, "max_inflight_blocks": 5,
                "snapshot_interval_size": 16 * 2**20, "tick_interval": "500ms"}
    return {"type": "etcdraft", "metadata": {"consenters": consenters,
                                             "options": {**defaults, **(options or {})}}}


def bft_quorum(n: int) -> int:
    """common/policies/bft.go ComputeBFTQuorum with f = (n-1)/3."""
    f = (n - 1) // 3
    return math.ceil((n + f + 1) / 2)
