"""How the network runs on Kubernetes and reaches git: exposure, storage, secrets, keys."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from fabgitops.model.base import Quantity, StrictModel
from fabgitops.model.placement import Cluster


class Expose(StrEnum):
    """How nodes are reachable from outside the cluster."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    INGRESS = "Ingress"


class NodePortScheme(StrictModel):
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


class Ingress(StrictModel):
    """Ingress exposure with TLS passthrough (gRPC over TLS end to end)."""

    domain: str | None = None
    """Parent domain: node ``peer0`` of namespace ``org1`` is ``peer0-org1.<Domain>:443``."""
    class_name: str = "nginx"


class ResourceQuantities(StrictModel):
    """CPU and memory amounts."""

    cpu: Quantity | None = None
    memory: Quantity | None = None


class ResourceRequirements(StrictModel):
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


class Storage(StrictModel):
    """Persistent volume sizes."""

    peer: Quantity = "10Gi"
    orderer: Quantity = "10Gi"
    couch_db: Quantity = Field(default="10Gi", alias="CouchDB")
    ca: Quantity = Field(default="1Gi", alias="CA")
    kafka: Quantity = "10Gi"
    zoo_keeper: Quantity = Field(default="1Gi", alias="ZooKeeper")


class Kubernetes(StrictModel):
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
    clusters: tuple[Cluster, ...] = Field(default=(), max_length=100)
    """The clusters the network spans; none means one cluster (the one Argo CD or Flux runs
    in), as without this key."""


class GitOpsEngine(StrEnum):
    """Which controller syncs the output repository."""

    ARGOCD = "argocd"
    FLUX = "flux"
    NONE = "none"


class GitOps(StrictModel):
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


class SealedSecrets(StrictModel):
    """Sealed Secrets settings."""

    certificate: str | None = None
    """Path (relative to this file) of the controller's certificate, as printed by
    ``kubeseal --fetch-cert``."""
    scope: SealedSecretsScope = SealedSecretsScope.STRICT
    controller_name: str = "sealed-secrets-controller"
    controller_namespace: str = "kube-system"


class Sops(StrictModel):
    """SOPS settings."""

    age_recipients: tuple[str, ...] = ()


class Secrets(StrictModel):
    """How private material reaches the cluster."""

    mode: SecretsMode = SecretsMode.SEALED_SECRETS
    sealed_secrets: SealedSecrets = Field(default_factory=SealedSecrets)
    sops: Sops = Field(default_factory=Sops)


class Keystore(StrictModel):
    """The encrypted keystore in ``.fabgitops/keystore``."""

    age_recipients: tuple[str, ...] = ()
    """age recipients (``age1...``) that can decrypt the private keys; empty means the local
    identity only."""
    expiry_warning_days: int = Field(default=30, ge=0, le=3650)
    """Warn about certificates that expire within this many days."""
