"""The cluster-config model: the input contract, and the source of the JSON Schema.

A cluster-config is a superset of cryptogen's ``crypto-config.yaml``: every key cryptogen reads
(``OrdererOrgs``, ``PeerOrgs``, ``Name``, ``Domain``, ``EnableNodeOUs``, ``CA``, ``Template``,
``Specs``, ``Users``) keeps its meaning and its default, so any crypto-config file is a valid
cluster-config. Everything else has a default that yields a working network.

Models are frozen and forbid unknown keys; field names are snake_case in Python and PascalCase
(Fabric's own style) in YAML.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

# Upper bounds that keep a typo (``Count: 100000000``) from exhausting the machine; they are far
# above any real Fabric network.
MAX_NODES_PER_TEMPLATE = 1000
MAX_USERS_PER_ORG = 1000
MAX_ORGS = 500

SIZE_PATTERN = r"^[0-9]+\s*[kKmMgG][bB]?$"
DURATION_PATTERN = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*$"  # noqa: E501
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"

ByteSize = Annotated[
    int | Annotated[str, Field(pattern=SIZE_PATTERN)],
    Field(description="Bytes, as a number or as Fabric writes sizes: '99 MB', '512 KB' "
          "(binary units)."),
]
Duration = Annotated[
    str, Field(pattern=DURATION_PATTERN, description="A Go duration such as '2s' or '500ms'.")
]
Quantity = Annotated[
    str, Field(pattern=QUANTITY_PATTERN, description="A Kubernetes quantity: '500m', '1Gi'.")
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_pascal,
        populate_by_name=True,
        use_attribute_docstrings=True,
    )


# ----------------------------------------------------------------------------------------------
# cryptogen's keys


class PublicKeyAlgorithm(StrEnum):
    """Key algorithm of a CA, node or user (cryptogen 3.x); only ECDSA P-256 works with 2.5."""

    ECDSA = "ecdsa"
    ED25519 = "ed25519"


class NodeSpec(_Model):
    """One explicitly named node (cryptogen ``Specs`` entry) or the org's CA (``CA``)."""

    hostname: str | None = None
    """Host name without the domain. Required in ``Specs``; the CA defaults to ``ca``."""
    common_name: str | None = None
    """Certificate CN; a Go template over {{.Hostname}} and {{.Domain}}. Default
    ``{{.Hostname}}.{{.Domain}}``."""
    country: str | None = None
    """Subject C of the CA (cryptogen reads the subject fields of ``CA`` only)."""
    province: str | None = None
    locality: str | None = None
    organizational_unit: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    sans: tuple[str, ...] = Field(default=(), alias="SANS")
    """Extra TLS subject alternative names; templates over {{.Hostname}}, {{.Domain}},
    {{.CommonName}}. IP addresses become IP SANs."""
    public_key_algorithm: PublicKeyAlgorithm | None = None


class NodeTemplate(_Model):
    """Nodes named from a template: ``Count`` nodes ``{{.Prefix}}{{.Index}}``."""

    count: int = Field(default=0, ge=0, le=MAX_NODES_PER_TEMPLATE)
    start: int = Field(default=0, ge=0)
    """First value of {{.Index}}."""
    hostname: str | None = None
    """Go template over {{.Prefix}} (peer or orderer), {{.Index}} and {{.Domain}}."""
    sans: tuple[str, ...] = Field(default=(), alias="SANS")
    public_key_algorithm: PublicKeyAlgorithm | None = None


class UsersSpec(_Model):
    """Extra users ``User1@<Domain>``..; ``Admin@<Domain>`` always exists."""

    count: int = Field(default=0, ge=0, le=MAX_USERS_PER_ORG)
    public_key_algorithm: PublicKeyAlgorithm | None = None


class PolicyType(StrEnum):
    """How a channel policy rule is written, as in configtx.yaml."""

    IMPLICIT_META = "ImplicitMeta"
    SIGNATURE = "Signature"


class Policy(_Model):
    """A configtx.yaml policy: ``ImplicitMeta`` ("ANY Readers") or ``Signature`` (policy DSL)."""

    type: PolicyType
    rule: str = Field(min_length=1)


Policies = dict[str, Policy]


class Organization(_Model):
    """Fields common to orderer and peer organizations (cryptogen's OrgSpec)."""

    name: str = Field(min_length=1)
    """Organization name; the key of its group in channel configs."""
    domain: str = Field(min_length=1)
    """DNS suffix of every node and the Kubernetes namespace of the org."""
    enable_node_ous: bool = Field(default=False, alias="EnableNodeOUs")
    """Classify identities by OU (client, peer, admin, orderer). cryptogen's default is false."""
    ca: NodeSpec = Field(default_factory=NodeSpec, alias="CA")
    template: NodeTemplate = Field(default_factory=NodeTemplate)
    specs: tuple[NodeSpec, ...] = ()
    users: UsersSpec = Field(default_factory=UsersSpec)
    msp_id: str | None = Field(default=None, alias="MSPID", min_length=1)
    """MSP ID; default ``<Name>MSP``."""
    policies: Policies | None = None
    """Org policies (Readers, Writers, Admins, Endorsement); defaults as in fabric-samples."""


class OrdererOrg(Organization):
    """An organization that runs orderers."""


class StateDatabase(StrEnum):
    """World-state database of the peers."""

    COUCHDB = "CouchDB"
    LEVELDB = "LevelDB"


class PeerOrg(Organization):
    """An organization that runs peers."""

    anchor_peers: tuple[str, ...] | None = None
    """Host names of the org's anchor peers; default the first peer."""
    state_database: StateDatabase = StateDatabase.COUCHDB


# ----------------------------------------------------------------------------------------------
# fabgitops additions


class FabricVersion(StrEnum):
    """Fabric release line; images and channel capabilities follow it."""

    V2_5 = "2.5"
    V3_1 = "3.1"


class Images(_Model):
    """Image overrides (``repository:tag``); defaults are pinned per Fabric version."""

    peer: str | None = None
    orderer: str | None = None
    ca: str | None = Field(default=None, alias="CA")
    tools: str | None = None
    couch_db: str | None = Field(default=None, alias="CouchDB")
    kafka: str | None = None
    zoo_keeper: str | None = Field(default=None, alias="ZooKeeper")


class Network(_Model):
    """Network-wide settings."""

    name: str = Field(default="fabric", min_length=1)
    """Network name: prefixes the GitOps objects and names ``clusters/<Name>``."""
    fabric_version: FabricVersion = FabricVersion.V3_1
    namespace_prefix: str = ""
    """Prepended to every namespace, so that two networks can share a cluster."""
    cluster_domain: str = Field(default="cluster.local", min_length=1)
    images: Images = Field(default_factory=Images)


class ConsensusType(StrEnum):
    """Ordering service consensus: etcdraft and BFT (3.x) use channel participation; kafka and
    solo (2.5 only) use a system channel."""

    ETCDRAFT = "etcdraft"
    BFT = "BFT"
    KAFKA = "kafka"
    SOLO = "solo"


class BatchSize(_Model):
    """Block cutting limits (configtx.yaml ``Orderer.BatchSize``)."""

    max_message_count: int = Field(default=500, ge=1, le=2**32 - 1)
    absolute_max_bytes: ByteSize = "10 MB"
    preferred_max_bytes: ByteSize = "2 MB"


class EtcdRaftOptions(_Model):
    """etcdraft options (configtx.yaml ``Orderer.EtcdRaft.Options``)."""

    tick_interval: Duration = "500ms"
    election_tick: int = Field(default=10, ge=1, le=2**32 - 1)
    heartbeat_tick: int = Field(default=1, ge=1, le=2**32 - 1)
    max_inflight_blocks: int = Field(default=5, ge=1, le=2**32 - 1)
    snapshot_interval_size: ByteSize = "16 MB"


class SmartBFTOptions(_Model):
    """SmartBFT options (configtx.yaml ``Orderer.SmartBFT``); unset fields take configtxgen's
    defaults."""

    request_batch_max_count: int | None = Field(default=None, ge=1)
    request_batch_max_bytes: int | None = Field(default=None, ge=1)
    request_batch_max_interval: Duration | None = None
    incoming_message_buffer_size: int | None = Field(default=None, ge=1)
    request_pool_size: int | None = Field(default=None, ge=1)
    request_forward_timeout: Duration | None = None
    request_complain_timeout: Duration | None = None
    request_auto_remove_timeout: Duration | None = None
    view_change_resend_interval: Duration | None = None
    view_change_timeout: Duration | None = None
    leader_heartbeat_timeout: Duration | None = None
    leader_heartbeat_count: int | None = Field(default=None, ge=1)
    collect_timeout: Duration | None = None
    sync_on_start: bool | None = None
    speed_up_view_change: bool | None = None
    leader_rotation: Literal["ROTATION_ON", "ROTATION_OFF"] | None = None
    decisions_per_leader: int | None = Field(default=None, ge=0)


class Kafka(_Model):
    """Kafka ordering (Fabric 2.5 only): brokers and ZooKeeper ensemble size."""

    brokers: int = Field(default=4, ge=1, le=50)
    zoo_keepers: int = Field(default=3, ge=1, le=15, alias="ZooKeepers")


class Consensus(_Model):
    """Ordering service settings (configtx.yaml ``Orderer`` section)."""

    type: ConsensusType = ConsensusType.ETCDRAFT
    batch_timeout: Duration = "2s"
    batch_size: BatchSize = Field(default_factory=BatchSize)
    etcd_raft: EtcdRaftOptions = Field(default_factory=EtcdRaftOptions, alias="EtcdRaft")
    smart_bft: SmartBFTOptions = Field(default_factory=SmartBFTOptions, alias="SmartBFT")
    kafka: Kafka = Field(default_factory=Kafka)


class Channel(_Model):
    """An application channel."""

    name: str = Field(min_length=1)
    organizations: tuple[str, ...] = Field(min_length=1)
    """Names of the peer orgs that are members."""
    policies: Policies | None = None
    """Application policies; defaults Readers/Writers ANY, Admins/Endorsement MAJORITY."""
    acls: dict[str, str] | None = Field(default=None, alias="ACLs")
    """Resource -> policy path, written into the Application group when set."""


class Expose(StrEnum):
    """How nodes are reachable from outside the cluster."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    INGRESS = "Ingress"


class NodePortScheme(_Model):
    """The article's NodePort scheme, range-checked and collision-checked.

    Peer org N (1-based) uses the band ``Base + (N-1)*Stride``: its CA at the band start, its
    M-th peer (0-based, in cryptogen order) at ``+2M+1`` (7051) and ``+2M+2`` (7052). Orderer
    org K uses the band ``OrdererBase - (K-1)*Stride``: its CA at the band start and its M-th
    orderer at ``+M+1`` (7050). Counting orderer bands down from the top keeps orderer ports
    stable when peer orgs are added.
    """

    range: str = Field(default="30000-32767", pattern=r"^[0-9]{1,5}-[0-9]{1,5}$")
    base: int = Field(default=30000, ge=1, le=65535)
    stride: int = Field(default=100, ge=2, le=10000)
    orderer_base: int = Field(default=32700, ge=1, le=65535)
    host: str | None = None
    """Address (DNS name or IP) that clients outside the cluster use to reach a node; it goes
    into TLS SANs and external endpoints."""


class Ingress(_Model):
    """Ingress exposure with TLS passthrough (gRPC over TLS end to end)."""

    domain: str | None = None
    """Parent domain: node ``peer0`` of namespace ``org1`` is ``peer0-org1.<Domain>:443``."""
    class_name: str = "nginx"


class ResourceQuantities(_Model):
    """CPU and memory amounts."""

    cpu: Quantity | None = None
    memory: Quantity | None = None


class ResourceRequirements(_Model):
    """Kubernetes requests and limits of one container."""

    requests: ResourceQuantities | None = None
    limits: ResourceQuantities | None = None


class Component(StrEnum):
    """Workloads whose resources and storage can be set."""

    PEER = "Peer"
    ORDERER = "Orderer"
    COUCHDB = "CouchDB"
    CA = "CA"
    CLI = "CLI"
    KAFKA = "Kafka"
    ZOOKEEPER = "ZooKeeper"


class Storage(_Model):
    """Persistent volume sizes."""

    peer: Quantity = "10Gi"
    orderer: Quantity = "10Gi"
    couch_db: Quantity = Field(default="10Gi", alias="CouchDB")
    ca: Quantity = Field(default="1Gi", alias="CA")
    kafka: Quantity = "10Gi"
    zoo_keeper: Quantity = Field(default="1Gi", alias="ZooKeeper")


class Kubernetes(_Model):
    """How the network runs on Kubernetes."""

    storage_class: str | None = None
    """StorageClass of every PersistentVolumeClaim; the cluster default when unset."""
    storage: Storage = Field(default_factory=Storage)
    expose: Expose = Expose.CLUSTER_IP
    node_port: NodePortScheme = Field(default_factory=NodePortScheme)
    ingress: Ingress = Field(default_factory=Ingress)
    network_policies: bool = True
    resources: dict[Component, ResourceRequirements] = Field(default_factory=dict)
    """Overrides of the default requests and limits, per component."""
    cli: bool = Field(default=True, alias="CLI")
    """Run a fabric-tools pod with the org admin identity in every peer org."""


class GitOpsEngine(StrEnum):
    """Which controller syncs the output repository."""

    ARGOCD = "argocd"
    FLUX = "flux"
    NONE = "none"


class GitOps(_Model):
    """Where the output lives and what syncs it."""

    engine: GitOpsEngine = GitOpsEngine.ARGOCD
    repo_url: str | None = Field(default=None, alias="RepoURL")
    branch: str = Field(default="main", min_length=1)
    path: str = ""
    """Directory of the output inside the repository ('' = the root)."""
    remote: str = Field(default="origin", min_length=1)
    """Git remote that ``compile --push`` pushes to."""


class SecretsMode(StrEnum):
    """How Secrets are written to git."""

    SEALED_SECRETS = "sealed-secrets"
    SOPS = "sops"
    PLAIN = "plain"


class SealedSecretsScope(StrEnum):
    """Sealed Secrets scope: what the ciphertext is bound to."""

    STRICT = "strict"
    NAMESPACE_WIDE = "namespace-wide"
    CLUSTER_WIDE = "cluster-wide"


class SealedSecrets(_Model):
    """Sealed Secrets settings."""

    certificate: str | None = None
    """Path (relative to this file) of the controller's certificate, as printed by
    ``kubeseal --fetch-cert``."""
    scope: SealedSecretsScope = SealedSecretsScope.STRICT
    controller_name: str = "sealed-secrets-controller"
    controller_namespace: str = "kube-system"


class Sops(_Model):
    """SOPS settings."""

    age_recipients: tuple[str, ...] = ()


class Secrets(_Model):
    """How private material reaches the cluster."""

    mode: SecretsMode = SecretsMode.SEALED_SECRETS
    sealed_secrets: SealedSecrets = Field(default_factory=SealedSecrets)
    sops: Sops = Field(default_factory=Sops)


class Keystore(_Model):
    """The encrypted keystore in ``.fabgitops/keystore``."""

    age_recipients: tuple[str, ...] = ()
    """age recipients (``age1...``) that can decrypt the private keys; empty means the local
    identity only."""
    expiry_warning_days: int = Field(default=30, ge=0, le=3650)
    """Warn about certificates that expire within this many days."""


class ClusterConfig(_Model):
    """A Fabric network and how it runs on Kubernetes and reaches git."""

    network: Network = Field(default_factory=Network)
    orderer_orgs: tuple[OrdererOrg, ...] = ()
    peer_orgs: tuple[PeerOrg, ...] = ()
    consensus: Consensus = Field(default_factory=Consensus)
    channels: tuple[Channel, ...] | None = None
    """Application channels; default one channel ``mychannel`` with every peer org."""
    kubernetes: Kubernetes = Field(default_factory=Kubernetes)
    git_ops: GitOps = Field(default_factory=GitOps, alias="GitOps")
    secrets: Secrets = Field(default_factory=Secrets)
    keystore: Keystore = Field(default_factory=Keystore)
