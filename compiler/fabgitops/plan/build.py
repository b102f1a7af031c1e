"""Building the plan from a validated configuration."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from fabgitops import model
from fabgitops.model import ClusterConfig, ConsensusType, Expose
from fabgitops.naming import ExpandedNode, expand_ca, expand_nodes, user_common_names
from fabgitops.plan.policies import app_policies, org_policies
from fabgitops.plan.types import (
    CA_PORT,
    CHAINCODE_PORT,
    DEFAULT_CHANNEL,
    IMAGES,
    INGRESS_PORT,
    KAFKA_NAMESPACE,
    KAFKA_PORT,
    ORDERER_PORT,
    PEER_PORT,
    ZOOKEEPER_CLIENT_PORT,
    CAServer,
    Channel,
    Consensus,
    Endpoint,
    Identity,
    KafkaCluster,
    Node,
    NodeKind,
    Org,
    Plan,
    Role,
    Subject,
)
from fabgitops.units import parse_size


def namespace_of(config: ClusterConfig, domain: str) -> str:
    """Kubernetes namespace of an org: the prefix plus the org's domain."""
    return config.network.namespace_prefix + domain


def build(config: ClusterConfig) -> Plan:
    """Expand a validated configuration into a plan."""
    channels = default_channels(config)
    orgs = [
        _org(config, o, NodeKind.ORDERER, i + 1, ("OrdererOrgs", i), channels)
        for i, o in enumerate(config.orderer_orgs)
    ]
    peer_orgs = [
        _org(config, o, NodeKind.PEER, i + 1, ("PeerOrgs", i), channels)
        for i, o in enumerate(config.peer_orgs)
    ]
    orderer_names = tuple(o.name for o in config.orderer_orgs)
    version = config.network.fabric_version
    overrides = config.network.images.model_dump(exclude_none=True)
    return Plan(
        network_name=config.network.name,
        fabric_version=version,
        cluster_domain=config.network.cluster_domain,
        orderer_orgs=tuple(orgs),
        peer_orgs=tuple(peer_orgs),
        channels=tuple(
            Channel(c.name, c.organizations, orderer_names, app_policies(c), dict(c.acls or {}))
            for c in channels
        ),
        consensus=_consensus(config.consensus),
        kafka=_kafka(config),
        images={**IMAGES[version], **overrides},
        config=config,
    )


def default_channels(config: ClusterConfig) -> tuple[model.Channel, ...]:
    """The configured channels, or ``mychannel`` with every peer org."""
    if config.channels is not None:
        return config.channels
    if not config.peer_orgs:
        return ()
    names = tuple(o.name for o in config.peer_orgs)
    return (model.Channel(name=DEFAULT_CHANNEL, organizations=names),)


def _org(
    config: ClusterConfig,
    org: model.Organization,
    kind: NodeKind,
    number: int,
    source: tuple[str | int, ...],
    channels: tuple[model.Channel, ...],
) -> Org:
    namespace = namespace_of(config, org.domain)
    bands = NodePortBand(config.kubernetes.node_port, kind, number)
    expose = config.kubernetes.expose
    nodes = tuple(
        _node(config, namespace, kind, i, expanded, bands if expose is Expose.NODE_PORT else None)
        for i, expanded in enumerate(expand_nodes(org, kind.value, source))
    )
    users = tuple(
        Identity(cn, Role.ADMIN if cn.startswith("Admin@") and org.enable_node_ous else Role.CLIENT,
                 (), org.users.public_key_algorithm or model.PublicKeyAlgorithm.ECDSA)
        for cn in user_common_names(org.domain, org.users.count if kind is NodeKind.PEER else 0)
    )
    msp_id = org.msp_id or f"{org.name}MSP"
    anchor_peers: tuple[str, ...] = ()
    state_db = None
    if isinstance(org, model.PeerOrg):
        first = tuple(n.hostname for n in nodes[:1])
        anchor_peers = first if org.anchor_peers is None else org.anchor_peers
        state_db = org.state_database
    return Org(
        name=org.name,
        msp_id=msp_id,
        domain=org.domain,
        namespace=namespace,
        kind=kind,
        number=number,
        enable_node_ous=org.enable_node_ous,
        ca=_ca_server(config, org, namespace, source, bands),
        nodes=nodes,
        users=users,
        anchor_peers=anchor_peers,
        state_database=state_db,
        policies=org_policies(org, kind, msp_id),
        channels=tuple(c.name for c in channels if kind is NodeKind.ORDERER or
                       org.name in c.organizations),
    )


@dataclass(frozen=True)
class NodePortBand:
    """The NodePort band of one org (the scheme is documented on ``model.NodePortScheme``)."""

    scheme: model.NodePortScheme
    kind: NodeKind
    number: int

    @property
    def start(self) -> int:
        """The band's first port, which the org's CA uses."""
        if self.kind is NodeKind.PEER:
            return self.scheme.base + (self.number - 1) * self.scheme.stride
        return self.scheme.orderer_base - (self.number - 1) * self.scheme.stride

    def node_ports(self, ordinal: int) -> dict[int, int]:
        """Container port -> NodePort of the node at ``ordinal`` in the org."""
        if self.kind is NodeKind.PEER:
            return {PEER_PORT: self.start + 2 * ordinal + 1,
                    CHAINCODE_PORT: self.start + 2 * ordinal + 2}
        return {ORDERER_PORT: self.start + ordinal + 1}


def _external_host(config: ClusterConfig, service: str, namespace: str) -> str | None:
    kube = config.kubernetes
    if kube.expose is Expose.NODE_PORT:
        return kube.node_port.host
    if kube.expose is Expose.INGRESS and kube.ingress.domain:
        return f"{service}-{namespace}.{kube.ingress.domain}"
    return None


def _external(config: ClusterConfig, host: str | None, node_port: int | None) -> Endpoint | None:
    if host is None:
        return None
    if config.kubernetes.expose is Expose.INGRESS:
        return Endpoint(host, INGRESS_PORT)
    return Endpoint(host, node_port) if node_port else None


def cluster_names(config: ClusterConfig, service: str, namespace: str) -> tuple[str, ...]:
    """Every name a client inside the cluster may dial for a Service."""
    base = f"{service}.{namespace}"
    return (base, f"{base}.svc", f"{base}.svc.{config.network.cluster_domain}")


def _dedupe(names: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))


def _node(
    config: ClusterConfig,
    namespace: str,
    kind: NodeKind,
    ordinal: int,
    expanded: ExpandedNode,
    bands: NodePortBand | None,
) -> Node:
    port = PEER_PORT if kind is NodeKind.PEER else ORDERER_PORT
    node_ports = bands.node_ports(ordinal) if bands else {}
    host = _external_host(config, expanded.hostname, namespace)
    external = _external(config, host, node_ports.get(port))
    sans = _dedupe([*expanded.sans, *cluster_names(config, expanded.hostname, namespace),
                    host or ""])
    role = Role.PEER if kind is NodeKind.PEER else Role.ORDERER
    return Node(
        hostname=expanded.hostname,
        kind=kind,
        ordinal=ordinal,
        identity=Identity(expanded.common_name, role, sans, expanded.key_algorithm),
        address=Endpoint(f"{expanded.hostname}.{namespace}", port),
        external=external,
        node_ports=node_ports,
    )


def _ca_server(
    config: ClusterConfig,
    org: model.Organization,
    namespace: str,
    source: tuple[str | int, ...],
    bands: NodePortBand,
) -> CAServer:
    expanded = expand_ca(org, source)
    spec = org.ca
    subject = Subject(
        country=spec.country or Subject.country,
        province=spec.province or Subject.province,
        locality=spec.locality or Subject.locality,
        organizational_unit=spec.organizational_unit or None,
        street_address=spec.street_address or None,
        postal_code=spec.postal_code or None,
    )
    node_port = bands.start if config.kubernetes.expose is Expose.NODE_PORT else None
    host = _external_host(config, expanded.hostname, namespace)
    sans = _dedupe([*expanded.sans, *cluster_names(config, expanded.hostname, namespace),
                    host or "", "localhost"])
    return CAServer(
        hostname=expanded.hostname,
        common_name=expanded.common_name,
        subject=subject,
        key_algorithm=expanded.key_algorithm,
        address=Endpoint(f"{expanded.hostname}.{namespace}", CA_PORT),
        tls_sans=sans,
        node_port=node_port,
    )


def _consensus(consensus: model.Consensus) -> Consensus:
    size = consensus.batch_size
    return Consensus(
        type=consensus.type,
        batch_timeout=consensus.batch_timeout,
        max_message_count=size.max_message_count,
        absolute_max_bytes=parse_size(size.absolute_max_bytes),
        preferred_max_bytes=parse_size(size.preferred_max_bytes),
        etcdraft=consensus.etcd_raft,
        smartbft=consensus.smart_bft,
    )


def _kafka(config: ClusterConfig) -> KafkaCluster | None:
    if config.consensus.type is not ConsensusType.KAFKA:
        return None
    namespace = namespace_of(config, KAFKA_NAMESPACE)
    suffix = f"{namespace}.svc.{config.network.cluster_domain}"
    kafka = config.consensus.kafka
    return KafkaCluster(
        namespace=namespace,
        brokers=tuple(Endpoint(f"kafka-{i}.kafka.{suffix}", KAFKA_PORT)
                      for i in range(kafka.brokers)),
        zookeepers=tuple(Endpoint(f"zookeeper-{i}.zookeeper.{suffix}", ZOOKEEPER_CLIENT_PORT)
                         for i in range(kafka.zoo_keepers)),
    )


def is_ip(value: str) -> bool:
    """Whether a SAN or host is an IP address (it then becomes an IP SAN)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
