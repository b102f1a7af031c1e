"""Where plan values are reached: NodePort bands, in-cluster and external names, Kafka.

Pure functions of the configuration's Kubernetes and network settings, used by the plan
builder (``plan.build``) for every node and CA.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from fabgitops import model
from fabgitops.model import ClusterConfig, ConsensusType, Expose
from fabgitops.naming import ExpandedNode
from fabgitops.plan.types import (
    CHAINCODE_PORT,
    INGRESS_PORT,
    KAFKA_PORT,
    ORDERER_PORT,
    PEER_PORT,
    ZOOKEEPER_CLIENT_PORT,
    Endpoint,
    Identity,
    KafkaCluster,
    Node,
    NodeKind,
    Role,
    Source,
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


def external_host(config: ClusterConfig, service: str, namespace: str) -> str | None:
    """The host outside clients dial for a Service: the NodePort host, or the Ingress name."""
    kube = config.kubernetes
    if kube.expose is Expose.NODE_PORT:
        return kube.node_port.host
    if kube.expose is Expose.INGRESS and kube.ingress.domain:
        return f"{service}-{namespace}.{kube.ingress.domain}"
    return None


def external_endpoint(config: ClusterConfig, host: str | None,
                      node_port: int | None) -> Endpoint | None:
    """What outside clients dial, when the network is exposed."""
    if host is None:
        return None
    if config.kubernetes.expose is Expose.INGRESS:
        return Endpoint(host, INGRESS_PORT)
    return Endpoint(host, node_port) if node_port else None


def cluster_names(config: ClusterConfig, service: str, namespace: str) -> tuple[str, ...]:
    """Every name a client inside the cluster may dial for a Service."""
    base = f"{service}.{namespace}"
    return (base, f"{base}.svc", f"{base}.svc.{config.network.cluster_domain}")


def dedupe_names(names: list[str]) -> tuple[str, ...]:
    """Names without blanks and repeats, first occurrence first (SAN lists)."""
    return tuple(dict.fromkeys(n for n in names if n))


def plan_node(
    config: ClusterConfig,
    namespace: str,
    kind: NodeKind,
    ordinal: int,
    expanded: ExpandedNode,
    source: Source,
    bands: NodePortBand | None,
) -> Node:
    """A node of the plan from its cryptogen expansion: addresses, SANs, NodePorts."""
    port = PEER_PORT if kind is NodeKind.PEER else ORDERER_PORT
    node_ports = bands.node_ports(ordinal) if bands else {}
    host = external_host(config, expanded.hostname, namespace)
    external = external_endpoint(config, host, node_ports.get(port))
    sans = dedupe_names([*expanded.sans, *cluster_names(config, expanded.hostname, namespace),
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
        source=source,
    )


def kafka_cluster(config: ClusterConfig, namespace: str) -> KafkaCluster | None:
    """The ZooKeeper ensemble and Kafka brokers of a kafka network, else None."""
    if config.consensus.type is not ConsensusType.KAFKA:
        return None
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
