"""The cluster-config model: the input contract, and the source of the JSON Schema.

A cluster-config is a superset of cryptogen's ``crypto-config.yaml``: every key cryptogen reads
(``OrdererOrgs``, ``PeerOrgs``, ``Name``, ``Domain``, ``EnableNodeOUs``, ``CA``, ``Template``,
``Specs``, ``Users``) keeps its meaning and its default, so any crypto-config file is a valid
cluster-config. Everything else has a default that yields a working network.

Models are frozen and forbid unknown keys; field names are snake_case in Python and PascalCase
(Fabric's own style) in YAML.
"""

from __future__ import annotations

from pydantic import Field

from fabgitops.model.base import (
    DURATION_PATTERN,
    MAX_NODES_PER_TEMPLATE,
    MAX_ORGS,
    MAX_USERS_PER_ORG,
    QUANTITY_PATTERN,
    SIZE_PATTERN,
    ByteSize,
    Duration,
    Quantity,
    StrictModel,
)
from fabgitops.model.chaincodes import (
    MAX_CHAINCODES,
    Chaincode,
    ChaincodePolicy,
    ChaincodeTLS,
    Collection,
)
from fabgitops.model.delivery import (
    Component,
    Expose,
    GitOps,
    GitOpsEngine,
    Ingress,
    Keystore,
    Kubernetes,
    NodePortScheme,
    ResourceQuantities,
    ResourceRequirements,
    SealedSecrets,
    SealedSecretsScope,
    Secrets,
    SecretsMode,
    Sops,
    Storage,
)
from fabgitops.model.monitoring import Monitoring, Thresholds
from fabgitops.model.network import (
    BatchSize,
    Channel,
    Consensus,
    ConsensusType,
    EtcdRaftOptions,
    FabricVersion,
    Images,
    Kafka,
    Network,
    SmartBFTOptions,
)
from fabgitops.model.orgs import (
    NodeSpec,
    NodeTemplate,
    OrdererOrg,
    Organization,
    PeerOrg,
    Policies,
    Policy,
    PolicyType,
    PublicKeyAlgorithm,
    StateDatabase,
    UsersSpec,
)
from fabgitops.model.placement import Cluster, Exposure


class ClusterConfig(StrictModel):
    """A Fabric network and how it runs on Kubernetes and reaches git."""

    network: Network = Field(default_factory=Network)
    orderer_orgs: tuple[OrdererOrg, ...] = Field(default=(), max_length=MAX_ORGS)
    peer_orgs: tuple[PeerOrg, ...] = Field(default=(), max_length=MAX_ORGS)
    consensus: Consensus = Field(default_factory=Consensus)
    channels: tuple[Channel, ...] | None = None
    """Application channels; default one channel ``mychannel`` with every peer org."""
    chaincodes: tuple[Chaincode, ...] = Field(default=(), max_length=MAX_CHAINCODES)
    """Chaincodes run as a service, with their lifecycle definitions."""
    kubernetes: Kubernetes = Field(default_factory=Kubernetes)
    git_ops: GitOps = Field(default_factory=GitOps, alias="GitOps")
    secrets: Secrets = Field(default_factory=Secrets)
    keystore: Keystore = Field(default_factory=Keystore)
    monitoring: Monitoring | None = None
    """Prometheus scraping, alerts and a Grafana dashboard; absent: metrics only."""


def build_validators() -> None:
    """Build the validator of every model, in the order the classes were defined (subclasses
    after their bases).

    Models defer their build (``StrictModel``). Left to themselves, the first validation builds
    ClusterConfig's schema top-down, then each default factory (``Network()``, ...) builds its
    model's schema again; built in definition order, nested models come first (a model's
    fields name classes defined before it) and each schema is generated once and reused.
    """
    pending = StrictModel.__subclasses__()
    while pending:
        model = pending.pop(0)
        model.model_rebuild(raise_errors=False)  # returns at once when already built
        pending += model.__subclasses__()


__all__ = [
    "DURATION_PATTERN",
    "MAX_CHAINCODES",
    "MAX_NODES_PER_TEMPLATE",
    "MAX_ORGS",
    "MAX_USERS_PER_ORG",
    "QUANTITY_PATTERN",
    "SIZE_PATTERN",
    "BatchSize",
    "ByteSize",
    "Chaincode",
    "ChaincodePolicy",
    "ChaincodeTLS",
    "Channel",
    "Cluster",
    "ClusterConfig",
    "Collection",
    "Component",
    "Consensus",
    "ConsensusType",
    "Duration",
    "EtcdRaftOptions",
    "Expose",
    "Exposure",
    "FabricVersion",
    "GitOps",
    "GitOpsEngine",
    "Images",
    "Ingress",
    "Kafka",
    "Keystore",
    "Kubernetes",
    "Monitoring",
    "Network",
    "NodePortScheme",
    "NodeSpec",
    "NodeTemplate",
    "OrdererOrg",
    "Organization",
    "PeerOrg",
    "Policies",
    "Policy",
    "PolicyType",
    "PublicKeyAlgorithm",
    "Quantity",
    "ResourceQuantities",
    "ResourceRequirements",
    "SealedSecrets",
    "SealedSecretsScope",
    "Secrets",
    "SecretsMode",
    "SmartBFTOptions",
    "Sops",
    "StateDatabase",
    "Storage",
    "StrictModel",
    "Thresholds",
    "UsersSpec",
    "build_validators",
]
