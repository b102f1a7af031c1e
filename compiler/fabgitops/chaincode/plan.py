"""The chaincodes of a plan: which orgs run, install and approve each one, on which channels,
and where the peers of each org dial its server.

One chaincode server (a Deployment behind a Service) per chaincode and org. The package's
``connection.json`` names that Service, so one package serves every peer of the org and they all
install the same package ID. The address is not templated with ``{{.peername}}`` (the samples
run one server per peer): here the org's peers share the org's server replicas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fabgitops.chaincode.naming import server_name
from fabgitops.model import Chaincode
from fabgitops.plan import Org, Plan


@dataclass(frozen=True)
class Server:
    """One org's chaincode server."""

    org: Org
    name: str
    """Deployment, Service and Secret name: ``<chaincode>-ccaas``."""
    address: str
    """``host:port`` the org's peers dial (connection.json)."""
    sans: tuple[str, ...]
    """SANs of the server's TLS certificate: every name the peers may dial."""

    @property
    def common_name(self) -> str:
        """CN of the server certificate: ``<name>.<org domain>``."""
        return f"{self.name}.{self.org.domain}"


@dataclass(frozen=True)
class ResolvedChaincode:
    """A chaincode with its orgs resolved."""

    spec: Chaincode
    label: str
    approvers: Mapping[str, tuple[Org, ...]]
    """Per channel, the orgs that install, approve and run it, in config order."""
    servers: tuple[Server, ...]
    """One per org that approves it on any channel."""

    @property
    def name(self) -> str:
        """The chaincode name on the channel."""
        return self.spec.name


def resolve(plan: Plan) -> tuple[ResolvedChaincode, ...]:
    """Every chaincode of the config, in config order (the config is valid)."""
    return tuple(_resolve(plan, spec) for spec in plan.chaincodes)


def _resolve(plan: Plan, spec: Chaincode) -> ResolvedChaincode:
    channels = {c.name: c for c in plan.channels}
    approvers: dict[str, tuple[Org, ...]] = {}
    for name in spec.channels:
        members = channels[name].peer_orgs
        chosen = set(spec.organizations if spec.organizations is not None else members)
        approvers[name] = tuple(o for o in plan.peer_orgs if o.name in chosen)
    # Sets of names: membership in tuples, for each org, grew with the square of the orgs.
    approving = {o.name for orgs in approvers.values() for o in orgs}
    running = [o for o in plan.peer_orgs if o.name in approving]
    servers = tuple(_server(plan, spec, org) for org in running)
    label = spec.label if spec.label is not None else f"{spec.name}_{spec.version}"
    return ResolvedChaincode(spec, label, approvers, servers)


def _server(plan: Plan, spec: Chaincode, org: Org) -> Server:
    name = server_name(spec.name)
    service = f"{name}.{org.namespace}"
    sans = [name, service, f"{service}.svc", f"{service}.svc.{plan.cluster_domain}"]
    address = f"{service}:{spec.port}"
    if spec.address is not None:
        address = spec.address
        host = spec.address.rpartition(":")[0]
        if host not in sans:
            sans.append(host)
    return Server(org, name, address, tuple(sans))


@dataclass(frozen=True)
class ChaincodeServer:
    """What the crypto stage needs to issue a chaincode server's TLS pair."""

    chaincode: str
    common_name: str
    sans: tuple[str, ...]


def chaincode_servers(plan: Plan) -> dict[str, tuple[ChaincodeServer, ...]]:
    """By org name, the chaincode servers whose TLS pairs its TLS CA issues (TLS enabled)."""
    out: dict[str, list[ChaincodeServer]] = {}
    for chaincode in resolve(plan):
        if not chaincode.spec.tls.enabled:
            continue
        for server in chaincode.servers:
            out.setdefault(server.org.name, []).append(
                ChaincodeServer(chaincode.name, server.common_name, server.sans))
    return {org: tuple(servers) for org, servers in out.items()}
