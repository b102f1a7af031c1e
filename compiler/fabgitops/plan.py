"""The plan stage: a validated config expanded into concrete, frozen data.

Every name, address, port and membership that a later stage needs is decided here; crypto,
channel, render and GitOps stages read only the plan. ``build`` assumes a configuration that
``validate`` accepted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from fabgitops import model
from fabgitops.model import ClusterConfig, ConsensusType, Expose, FabricVersion, Policy
from fabgitops.naming import ExpandedNode, expand_ca, expand_nodes, user_common_names
from fabgitops.units import parse_size

# Container ports. The orderer admin endpoint uses 7053 like fabric-samples; every operations
# endpoint uses 9443, which is safe because each node runs in its own pod.
PEER_PORT = 7051
CHAINCODE_PORT = 7052
ORDERER_PORT = 7050
ORDERER_ADMIN_PORT = 7053
OPERATIONS_PORT = 9443
CA_PORT = 7054
COUCHDB_PORT = 5984
KAFKA_PORT = 9092
ZOOKEEPER_CLIENT_PORT = 2181
ZOOKEEPER_PEER_PORT = 2888
ZOOKEEPER_ELECTION_PORT = 3888
INGRESS_PORT = 443

SYSTEM_CHANNEL = "system-channel"
KAFKA_NAMESPACE = "kafka"
DEFAULT_CHANNEL = "mychannel"

IMAGES: Mapping[FabricVersion, Mapping[str, str]] = {
    FabricVersion.V2_5: {
        "peer": "hyperledger/fabric-peer:2.5.16",
        "orderer": "hyperledger/fabric-orderer:2.5.16",
        "tools": "hyperledger/fabric-tools:2.5.16",
        "ca": "hyperledger/fabric-ca:1.5.21",
        "couch_db": "couchdb:3.4.2",
        "kafka": "hyperledger/fabric-kafka:0.4.22",
        "zoo_keeper": "hyperledger/fabric-zookeeper:0.4.22",
    },
    FabricVersion.V3_1: {
        "peer": "hyperledger/fabric-peer:3.1.5",
        "orderer": "hyperledger/fabric-orderer:3.1.5",
        "tools": "hyperledger/fabric-tools:3.1.5",
        "ca": "hyperledger/fabric-ca:1.5.21",
        "couch_db": "couchdb:3.4.2",
        "kafka": "hyperledger/fabric-kafka:0.4.22",
        "zoo_keeper": "hyperledger/fabric-zookeeper:0.4.22",
    },
}


class NodeKind(StrEnum):
    """What a node runs."""

    PEER = "peer"
    ORDERER = "orderer"


class Role(StrEnum):
    """NodeOU of an identity (msp/msp.go): the OU string a certificate carries."""

    CLIENT = "client"
    PEER = "peer"
    ADMIN = "admin"
    ORDERER = "orderer"


@dataclass(frozen=True)
class Subject:
    """Subject fields that a CA passes on to every certificate it signs (cryptogen defaults)."""

    country: str = "US"
    province: str = "California"
    locality: str = "San Francisco"
    organizational_unit: str | None = None
    street_address: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """A host and port that something dials."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Identity:
    """One local MSP plus TLS pair, as cryptogen's ``GenerateLocalMSP`` makes it."""

    common_name: str
    """Certificate CN and directory name (``peer0.org1``, ``Admin@org1``)."""
    role: Role
    sans: tuple[str, ...]
    """TLS SANs, cryptogen's first (CN, host name, ``SANS``), then the in-cluster and external
    names; empty for users, as in cryptogen."""
    key_algorithm: model.PublicKeyAlgorithm = model.PublicKeyAlgorithm.ECDSA

    @property
    def is_user(self) -> bool:
        """Users and admins get ``client.crt``; peers and orderers ``server.crt``."""
        return self.role in (Role.CLIENT, Role.ADMIN)


@dataclass(frozen=True)
class Node:
    """A peer or orderer: its identity and how it is reached."""

    hostname: str
    """Short host name; also the Kubernetes Service name."""
    kind: NodeKind
    ordinal: int
    """0-based position in the org, in cryptogen order (Specs, then Template)."""
    identity: Identity
    address: Endpoint
    """What clients inside the cluster dial: ``<service>.<namespace>:<port>``."""
    external: Endpoint | None
    """What clients outside the cluster dial, when the network is exposed."""
    node_ports: Mapping[int, int]
    """Container port -> NodePort, in NodePort mode."""


@dataclass(frozen=True)
class CAServer:
    """The org's fabric-ca-server, which signs with the cryptogen CA key pair."""

    hostname: str
    common_name: str
    """CN of the signing CA (``ca.<domain>``); the TLS CA is ``tls`` + this."""
    subject: Subject
    key_algorithm: model.PublicKeyAlgorithm
    address: Endpoint
    tls_sans: tuple[str, ...]
    """SANs of the CA server's own TLS certificate (issued by the org TLS CA)."""
    node_port: int | None

    @property
    def tls_common_name(self) -> str:
        """cryptogen names the TLS CA ``"tls" + CA CN`` (``tlsca.<domain>``)."""
        return "tls" + self.common_name


@dataclass(frozen=True)
class Org:
    """An organization with everything later stages need."""

    name: str
    msp_id: str
    domain: str
    namespace: str
    kind: NodeKind
    number: int
    """1-based position among the orgs of its kind (drives the NodePort band)."""
    enable_node_ous: bool
    ca: CAServer
    nodes: tuple[Node, ...]
    users: tuple[Identity, ...]
    """``User1..N`` then ``Admin``, cryptogen's order."""
    anchor_peers: tuple[str, ...]
    state_database: model.StateDatabase | None
    policies: Mapping[str, Policy]
    channels: tuple[str, ...]

    @property
    def admin(self) -> Identity:
        """The org admin, ``Admin@<domain>``."""
        return self.users[-1]

    @property
    def crypto_dir(self) -> str:
        """cryptogen's directory of the org (``peerOrganizations/<domain>``)."""
        return f"{self.kind.value}Organizations/{self.domain}"

    def node(self, hostname: str) -> Node:
        """The node with this host name."""
        return next(n for n in self.nodes if n.hostname == hostname)


@dataclass(frozen=True)
class Channel:
    """An application channel with its resolved policies."""

    name: str
    peer_orgs: tuple[str, ...]
    orderer_orgs: tuple[str, ...]
    policies: Mapping[str, Policy]
    acls: Mapping[str, str]


@dataclass(frozen=True)
class Consensus:
    """Ordering settings with sizes resolved to bytes."""

    type: ConsensusType
    batch_timeout: str
    max_message_count: int
    absolute_max_bytes: int
    preferred_max_bytes: int
    etcdraft: model.EtcdRaftOptions
    smartbft: model.SmartBFTOptions

    @property
    def uses_system_channel(self) -> bool:
        """kafka and solo bootstrap from a system channel; etcdraft and BFT join channels."""
        return self.type in (ConsensusType.KAFKA, ConsensusType.SOLO)


@dataclass(frozen=True)
class KafkaCluster:
    """The ZooKeeper ensemble and Kafka brokers of a kafka network."""

    namespace: str
    brokers: tuple[Endpoint, ...]
    zookeepers: tuple[Endpoint, ...]


@dataclass(frozen=True)
class Plan:
    """The whole network, ready to generate."""

    network_name: str
    fabric_version: FabricVersion
    cluster_domain: str
    orderer_orgs: tuple[Org, ...]
    peer_orgs: tuple[Org, ...]
    channels: tuple[Channel, ...]
    consensus: Consensus
    kafka: KafkaCluster | None
    images: Mapping[str, str]
    config: ClusterConfig
    """The validated configuration, for the sections later stages read as they are
    (Kubernetes, GitOps, Secrets, Keystore)."""

    @property
    def orgs(self) -> tuple[Org, ...]:
        """Orderer orgs first, then peer orgs."""
        return self.orderer_orgs + self.peer_orgs

    def org(self, name: str) -> Org:
        """The org with this ``Name``."""
        return next(o for o in self.orgs if o.name == name)

    def orderers(self) -> Iterator[tuple[Org, Node]]:
        """Every orderer with its org, in config order."""
        for org in self.orderer_orgs:
            for node in org.nodes:
                yield org, node


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
            Channel(c.name, c.organizations, orderer_names, _app_policies(c), dict(c.acls or {}))
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
        policies=_org_policies(org, kind, msp_id),
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


def _signature(rule: str) -> Policy:
    return Policy(type=model.PolicyType.SIGNATURE, rule=rule)


def _implicit(rule: str) -> Policy:
    return Policy(type=model.PolicyType.IMPLICIT_META, rule=rule)


def _org_policies(org: model.Organization, kind: NodeKind, msp: str) -> dict[str, Policy]:
    """fabric-samples' org policies; roles other than member/admin need NodeOUs."""
    if kind is NodeKind.ORDERER:
        defaults = {
            "Readers": _signature(f"OR('{msp}.member')"),
            "Writers": _signature(f"OR('{msp}.member')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
        }
    elif org.enable_node_ous:
        defaults = {
            "Readers": _signature(f"OR('{msp}.admin', '{msp}.peer', '{msp}.client')"),
            "Writers": _signature(f"OR('{msp}.admin', '{msp}.client')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
            "Endorsement": _signature(f"OR('{msp}.peer')"),
        }
    else:
        defaults = {
            "Readers": _signature(f"OR('{msp}.member')"),
            "Writers": _signature(f"OR('{msp}.member')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
            "Endorsement": _signature(f"OR('{msp}.member')"),
        }
    return {**defaults, **(org.policies or {})}


def _app_policies(channel: model.Channel) -> dict[str, Policy]:
    defaults = {
        "Readers": _implicit("ANY Readers"),
        "Writers": _implicit("ANY Writers"),
        "Admins": _implicit("MAJORITY Admins"),
        "LifecycleEndorsement": _implicit("MAJORITY Endorsement"),
        "Endorsement": _implicit("MAJORITY Endorsement"),
    }
    return {**defaults, **(channel.policies or {})}


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
