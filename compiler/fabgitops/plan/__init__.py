"""The plan stage: the configuration expanded into concrete, frozen, source-located data.

The plan is the compiler's intermediate representation. Every name, address, port and
membership that a later stage needs is decided here, and every org, node, CA and channel
carries its :class:`Source` (file:line:col and YAML path). The semantic rules
(``fabgitops.rules``) check the plan, not the raw configuration; crypto, channel, render, seal
and GitOps stages read only the plan, and the configuration sections they use as they are
(``kubernetes``, ``git_ops``, ``secrets``, ``keystore``) are typed fields of it. A plan that a
stage receives has passed validation: later stages raise only internal errors for what
validation guarantees.
"""

from fabgitops.plan.addresses import NodePortBand, cluster_names, is_ip
from fabgitops.plan.build import MAX_NODES_TOTAL, build
from fabgitops.plan.types import (
    CA_PORT,
    CHAINCODE_PORT,
    COUCHDB_PORT,
    DEFAULT_CHANNEL,
    IMAGES,
    INGRESS_PORT,
    KAFKA_NAMESPACE,
    KAFKA_PORT,
    OPERATIONS_PORT,
    ORDERER_ADMIN_PORT,
    ORDERER_PORT,
    PEER_PORT,
    SYSTEM_CHANNEL,
    ZOOKEEPER_CLIENT_PORT,
    ZOOKEEPER_ELECTION_PORT,
    ZOOKEEPER_PEER_PORT,
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
    Source,
    SourcePath,
    Subject,
    namespace_of,
)

__all__ = [
    "CA_PORT",
    "CHAINCODE_PORT",
    "COUCHDB_PORT",
    "DEFAULT_CHANNEL",
    "IMAGES",
    "INGRESS_PORT",
    "KAFKA_NAMESPACE",
    "KAFKA_PORT",
    "MAX_NODES_TOTAL",
    "OPERATIONS_PORT",
    "ORDERER_ADMIN_PORT",
    "ORDERER_PORT",
    "PEER_PORT",
    "SYSTEM_CHANNEL",
    "ZOOKEEPER_CLIENT_PORT",
    "ZOOKEEPER_ELECTION_PORT",
    "ZOOKEEPER_PEER_PORT",
    "CAServer",
    "Channel",
    "Consensus",
    "Endpoint",
    "Identity",
    "KafkaCluster",
    "Node",
    "NodeKind",
    "NodePortBand",
    "Org",
    "Plan",
    "Role",
    "Source",
    "SourcePath",
    "Subject",
    "build",
    "cluster_names",
    "is_ip",
    "namespace_of",
]
