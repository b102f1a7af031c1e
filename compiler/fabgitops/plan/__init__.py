"""The plan stage: a validated config expanded into concrete, frozen data.

Every name, address, port and membership that a later stage needs is decided here; crypto,
channel, render and GitOps stages read only the plan. ``build`` assumes a configuration that
``validate`` accepted.
"""

from fabgitops.plan.build import (
    NodePortBand,
    build,
    cluster_names,
    default_channels,
    is_ip,
    namespace_of,
)
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
    Subject,
)

__all__ = [
    "CA_PORT", "CHAINCODE_PORT", "COUCHDB_PORT", "DEFAULT_CHANNEL", "IMAGES", "INGRESS_PORT",
    "KAFKA_NAMESPACE", "KAFKA_PORT", "OPERATIONS_PORT", "ORDERER_ADMIN_PORT", "ORDERER_PORT",
    "PEER_PORT", "SYSTEM_CHANNEL", "ZOOKEEPER_CLIENT_PORT", "ZOOKEEPER_ELECTION_PORT",
    "ZOOKEEPER_PEER_PORT", "CAServer", "Channel", "Consensus", "Endpoint", "Identity",
    "KafkaCluster", "Node", "NodeKind", "NodePortBand", "Org", "Plan", "Role", "Subject",
    "build", "cluster_names", "default_channels", "is_ip", "namespace_of",
]
