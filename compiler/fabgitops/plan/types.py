"""The plan's values: nodes, orgs, channels and the network, as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from fabgitops import model
from fabgitops.errors import Issue, Severity
from fabgitops.model import ConsensusType, FabricVersion, Policy

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


def namespace_of(prefix: str, name: str) -> str:
    """Kubernetes namespace of an org domain (or of ``kafka``): ``Network.NamespacePrefix`` +
    the name. The one definition of the rule."""
    return prefix + name


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


SourcePath = tuple[str | int, ...]
"""A YAML path in the cluster-config: ``("PeerOrgs", 0, "Specs", 1)``."""


@dataclass(frozen=True)
class Source:
    """Where a plan value was written: its YAML path and its position in the file.

    Every org, node, CA and channel carries one, so a rule over the plan reports a problem at
    ``file:line:col`` without going back to the raw configuration.
    """

    file: str
    line: int
    column: int
    path: SourcePath

    def at(self, *keys: str | int) -> SourcePath:
        """The path of a key below this value (``source.at("Name")``)."""
        return (*self.path, *keys)

    def issue(self, message: str, severity: Severity = Severity.ERROR) -> Issue:
        """An issue located here."""
        return Issue(self.file, self.line, self.column, self.path, message, severity)


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
    source: Source
    """The ``Specs`` entry or the ``Template`` the node comes from."""
    advertised: Endpoint | None = None
    """The address channel configs carry (anchor peers, orderer endpoints, consenters) when
    nodes dial across clusters (``fabgitops.placement``); None: ``address``."""

    @property
    def channel_address(self) -> Endpoint:
        """What channel configs name this node by."""
        return self.advertised or self.address


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
    external_host: str | None
    """The host outside clients dial (NodePort host or Ingress name), also a TLS SAN."""
    source: Source
    """The org's ``CA`` section (or the org, when it has none)."""

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
    """The org's policies: fabric-samples' defaults, overridden by the configured ones."""
    channels: tuple[str, ...]
    source: Source
    msp_id_configured: bool
    """``MSPID`` is written in the config (else it is the default ``<Name>MSP``)."""
    anchor_peers_configured: bool
    """``AnchorPeers`` is written in the config (else it is the first peer)."""
    external: bool = False
    """Another party runs the org (``fabgitops.parties``): it is in channel configs, but this
    party renders nothing of it and holds none of its keys."""
    bundle: str | None = None
    """An External org's bundle file, relative to the cluster-config."""
    cluster: str | None = None
    """The ``Kubernetes.Clusters`` entry the org runs on (None: the first, or the only one)."""

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
    source: Source
    """The ``Channels`` entry, or ``Channels`` itself for the default channel."""


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
    """Image reference by component (``peer``, ``couch_db``...): defaults, then overrides."""
    namespace_prefix: str
    kubernetes: model.Kubernetes
    """How the network runs on Kubernetes: exposure, storage, resources, optional objects."""
    git_ops: model.GitOps
    secrets: model.Secrets
    keystore: model.Keystore
    chaincodes: tuple[model.Chaincode, ...]
    """The chaincodes as configured (run as a service; checked by ``rules.chaincodes``)."""

    def namespace(self, name: str) -> str:
        """The Kubernetes namespace of an org domain (or of ``kafka``): prefix + name."""
        return namespace_of(self.namespace_prefix, name)
    monitoring: model.Monitoring | None = None
    """Prometheus scraping, alerts and the dashboard; None: metrics only."""

    @property
    def orgs(self) -> tuple[Org, ...]:
        """Orderer orgs first, then peer orgs."""
        return self.orderer_orgs + self.peer_orgs

    def org(self, name: str) -> Org:
        """The org with this ``Name``."""
        return next(o for o in self.orgs if o.name == name)

    def channel(self, name: str) -> Channel:
        """The application channel with this name."""
        return next(c for c in self.channels if c.name == name)

    def orderers(self) -> Iterator[tuple[Org, Node]]:
        """Every orderer with its org, in config order."""
        for org in self.orderer_orgs:
            for node in org.nodes:
                yield org, node
