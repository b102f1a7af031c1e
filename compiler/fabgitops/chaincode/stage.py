"""The chaincode stage: plan + crypto material + previous state -> packages, definitions, state.

Per chaincode, ``chaincodes/<name>/`` holds what a reviewer reads and what ``inspect`` opens::

    chaincodes/<name>/definition.yaml            sequence, policy, collections, approvers,
                                                 package IDs, per channel
    chaincodes/<name>/collections.json           the --collections-config file (if any)
    chaincodes/<name>/packages/<MSPID>.tar.gz    the CCaaS package each org installs

The render stage turns the same values into each org's chaincode server and lifecycle Jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fabgitops import yamlio
from fabgitops.chaincode.definition import (
    Definition,
    collections_config,
    digest,
    next_sequence,
    policy_document,
    state_sections,
)
from fabgitops.chaincode.naming import chaincode_dir
from fabgitops.chaincode.package import Connection, Package, build
from fabgitops.chaincode.plan import ResolvedChaincode, Server, resolve
from fabgitops.crypto import CertKey, CryptoMaterial
from fabgitops.plan import Org, Plan
from fabgitops.tree import FileTree, generated_yaml


@dataclass(frozen=True)
class OrgChaincode:
    """One org's part of a chaincode: its server, package and lifecycle duties."""

    chaincode: ResolvedChaincode
    server: Server
    package: Package
    tls: CertKey | None
    """The server's TLS pair, when TLS is on."""
    chaincode_ca_pem: str
    """The org's TLS CA certificate: it issued the server's and the peers' TLS pairs."""
    approves: tuple[Definition, ...]
    """The definitions this org installs for and approves, one per channel."""
    commits: tuple[Definition, ...]
    """The definitions this org commits: it is the first approver of those channels."""

    @property
    def org(self) -> Org:
        """The org."""
        return self.server.org


@dataclass(frozen=True)
class Chaincodes:
    """The stage's result."""

    files: FileTree
    state: dict[str, Any]
    """The state sections (``chaincodes``, ``chaincodes_removed``)."""
    by_org: Mapping[str, tuple[OrgChaincode, ...]]
    """By org name, in chaincode order."""
    definitions: tuple[Definition, ...]

    def client_auth_orgs(self) -> frozenset[str]:
        """Orgs whose peers present a TLS client certificate to a chaincode server."""
        return frozenset(org for org, entries in self.by_org.items()
                         if any(e.chaincode.spec.tls.enabled and e.chaincode.spec.tls.client_auth
                                for e in entries))


def package_path(name: str, msp_id: str) -> str:
    """Where an org's package of a chaincode is written."""
    return f"{chaincode_dir(name)}/packages/{msp_id}.tar.gz"


def build_chaincodes(plan: Plan, material: CryptoMaterial,
                     previous_state: Mapping[str, Any] | None) -> Chaincodes:
    """Packages, definitions with their sequences, and the files of every chaincode."""
    files: FileTree = {}
    definitions: list[Definition] = []
    by_org: dict[str, list[OrgChaincode]] = {}
    for chaincode in resolve(plan):
        # Another party's orgs run, package and approve for themselves (fabgitops.parties).
        servers = [s for s in chaincode.servers if not s.org.external]
        packages = {s.org.name: _package(material, chaincode, s) for s in servers}
        own = _definitions(chaincode, packages, previous_state)
        definitions += own
        for server in servers:
            org = server.org
            tls = material.org(org).chaincode_tls.get(chaincode.name)
            by_org.setdefault(org.name, []).append(OrgChaincode(
                chaincode, server, packages[org.name], tls,
                material.tls_ca(org).cert_pem.decode(),
                approves=tuple(d for d in own if org in chaincode.approvers[d.channel]),
                commits=tuple(d for d in own if chaincode.approvers[d.channel][:1] == (org,))))
        files.update(_files(chaincode, packages, own))
    return Chaincodes(files, state_sections(previous_state, definitions),
                      {k: tuple(v) for k, v in by_org.items()}, tuple(definitions))


def _package(material: CryptoMaterial, chaincode: ResolvedChaincode, server: Server) -> Package:
    tls = chaincode.spec.tls
    root = material.tls_ca(server.org).cert_pem.decode() if tls.enabled else None
    return build(chaincode.label, Connection(server.address, root, tls.client_auth))


def _definitions(chaincode: ResolvedChaincode, packages: Mapping[str, Package],
                 previous: Mapping[str, Any] | None) -> list[Definition]:
    spec = chaincode.spec
    collections = collections_config(spec.collections)
    out = []
    for channel, orgs in chaincode.approvers.items():
        ids = {o.msp_id: packages[o.name].package_id for o in orgs if o.name in packages}
        key = digest(spec.name, spec.version, spec.init_required, spec.endorsement_policy,
                     collections, ids)
        out.append(Definition(
            name=spec.name, channel=channel, version=spec.version,
            sequence=next_sequence(previous, spec.name, channel, key),
            init_required=spec.init_required, endorsement=spec.endorsement_policy,
            collections=collections, packages=ids))
    return out


def _files(chaincode: ResolvedChaincode, packages: Mapping[str, Package],
           definitions: list[Definition]) -> FileTree:
    spec = chaincode.spec
    root = chaincode_dir(spec.name)
    files: FileTree = {}
    servers = {s.org.name: s for s in chaincode.servers if s.org.name in packages}
    described: dict[str, Any] = {
        "name": spec.name, "version": spec.version, "label": chaincode.label,
        "image": spec.image,
        "channels": {d.channel: _channel_view(chaincode, d) for d in definitions},
        "packages": {
            servers[org].org.msp_id: {
                "packageId": package.package_id,
                "file": f"packages/{servers[org].org.msp_id}.tar.gz",
                "address": servers[org].address,
                "tls": spec.tls.enabled,
                "clientAuth": spec.tls.enabled and spec.tls.client_auth,
            }
            for org, package in packages.items()
        },
    }
    files[f"{root}/definition.yaml"] = generated_yaml(yamlio.dump(described, sort_keys=False))
    if definitions and definitions[0].collections is not None:
        files[f"{root}/collections.json"] = definitions[0].collections
    for org, package in packages.items():
        files[package_path(spec.name, servers[org].org.msp_id)] = package.data
    return files


def _channel_view(chaincode: ResolvedChaincode, definition: Definition) -> dict[str, Any]:
    orgs = chaincode.approvers[definition.channel]
    policy = (policy_document(definition.endorsement) if definition.endorsement
              else {"channelConfigPolicy": "/Channel/Application/Endorsement (Fabric's default)"})
    view: dict[str, Any] = {
        "sequence": definition.sequence,
        "version": definition.version,
        "endorsementPolicy": policy,
        "initRequired": definition.init_required,
        "approvedBy": [o.msp_id for o in orgs],
        "committedBy": orgs[0].msp_id if orgs else None,
    }
    if chaincode.spec.collections:
        view["collections"] = [
            {"name": c.name, "policy": c.policy, "requiredPeerCount": c.required_peer_count,
             "maxPeerCount": c.max_peer_count, "blockToLive": c.block_to_live,
             "memberOnlyRead": c.member_only_read, "memberOnlyWrite": c.member_only_write,
             **({"endorsementPolicy": policy_document(c.endorsement_policy)}
                if c.endorsement_policy else {})}
            for c in chaincode.spec.collections]
    return view
