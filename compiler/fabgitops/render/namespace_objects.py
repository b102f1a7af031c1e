"""Namespace-level objects: the Namespace, NetworkPolicies and PodDisruptionBudgets.

NetworkPolicies deny all ingress, then open only what Fabric needs, from where it is needed:

- peer 7051 (endorsement, deliver, gossip) from every Fabric namespace, and from anywhere when
  the network is exposed (NodePort or Ingress traffic keeps no stable source);
- peer 7052 (chaincode -> peer) inside the namespace;
- every operations endpoint (9443) inside the namespace, or with ``Monitoring`` from the
  Prometheus namespace only;
- orderer 7050 from every Fabric namespace (peers, clients, other orderers' cluster traffic),
  and from anywhere when exposed; the admin endpoint 7053 inside the namespace only (the Jobs);
- CA 7054 inside the namespace, and from anywhere when exposed;
- chaincode-as-a-service pods (label ``role: chaincode``) from the namespace's peers;
- Kafka 9092 from the orderer namespaces and its own; ZooKeeper only inside its namespace.

Fabric namespaces are listed by name (``kubernetes.io/metadata.name``, set by the API server),
not by a label anyone could add to their own namespace.
"""

from __future__ import annotations

from collections.abc import Sequence

from fabgitops.render.common import Labels, Manifest, metadata
from fabgitops.tree import manifest_file
from fabgitops.waves import Wave

NETWORK_POLICIES = "network-policies.yaml"
DISRUPTION_BUDGETS = "pod-disruption-budgets.yaml"
NAMESPACE = "namespace.yaml"


def namespace_files(namespace: str, labels: Labels, *, network_policies: Sequence[Manifest],
                    budget_roles: Sequence[str]) -> dict[str, bytes]:
    """The files of an overlay's namespace-level objects, by file name in resource order: the
    Namespace, the NetworkPolicies (none when disabled), a PodDisruptionBudget per role."""
    files = {NAMESPACE: manifest_file(namespace_object(namespace, labels))}
    if network_policies:
        files[NETWORK_POLICIES] = manifest_file(*network_policies)
    files[DISRUPTION_BUDGETS] = manifest_file(*disruption_budgets(namespace, labels,
                                                                   budget_roles))
    return files


def namespace_object(name: str, labels: Labels) -> Manifest:
    """The Namespace, enforcing the "restricted" Pod Security Standard (every pod complies)."""
    meta = metadata(name, name, labels, Wave.NAMESPACE)
    del meta["namespace"]
    meta["labels"] |= {"pod-security.kubernetes.io/enforce": "restricted",
                       "pod-security.kubernetes.io/warn": "restricted"}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _from_namespaces(names: Sequence[str]) -> Manifest:
    return {"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(names)}]}}


def _same_namespace() -> Manifest:
    return {"podSelector": {}}


def _ports(*numbers: int) -> list[Manifest]:
    return [{"protocol": "TCP", "port": n} for n in numbers]


def _policy(name: str, namespace: str, labels: Labels, selector: Manifest,
            rules: list[Manifest]) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace, labels, Wave.NAMESPACE),
        "spec": {"podSelector": selector, "policyTypes": ["Ingress"], "ingress": rules},
    }


def _allow(ports: list[Manifest], sources: list[Manifest] | None) -> Manifest:
    """An ingress rule; ``sources`` None admits every source (exposed ports)."""
    rule: Manifest = {"ports": ports}
    if sources is not None:
        rule["from"] = sources
    return rule


def _role(role: str) -> Manifest:
    return {"matchLabels": {"app": "hyperledger", "role": role}}


def network_policies(namespace: str, labels: Labels, *, fabric: Sequence[str], roles: set[str],
                     exposed: bool, scrapers: str | None = None) -> list[Manifest]:
    """The NetworkPolicies of an org namespace hosting ``roles`` (peer, orderer, ca).

    With ``scrapers`` (``Monitoring.Namespace``) the operations ports admit that namespace
    only: Prometheus scrapes them, nothing else needs them (the kubelet's probes come from the
    node, which NetworkPolicies do not restrict).
    """
    everyone = None if exposed else [_from_namespaces(fabric)]
    inside = [_same_namespace()]
    operations = inside if scrapers is None else [_from_namespaces([scrapers])]
    policies = [
        _policy("default-deny-ingress", namespace, labels, {}, []),
        _policy("allow-operations", namespace, labels, {}, [_allow(_ports(9443), operations)]),
        _policy("allow-ca", namespace, labels, _role("ca"),
                [_allow(_ports(7054), None if exposed else inside)]),
    ]
    if "peer" in roles:
        policies += [
            _policy("allow-peer", namespace, labels, _role("peer"),
                    [_allow(_ports(7051), everyone), _allow(_ports(7052), inside)]),
            _policy("allow-chaincode", namespace, labels, _role("chaincode"),
                    [{"from": [{"podSelector": _role("peer")}]}]),
        ]
    if "orderer" in roles:
        policies.append(_policy("allow-orderer", namespace, labels, _role("orderer"),
                                [_allow(_ports(7050), everyone), _allow(_ports(7053), inside)]))
    return policies


def kafka_network_policies(namespace: str, labels: Labels,
                           orderers: Sequence[str]) -> list[Manifest]:
    """The NetworkPolicies of the Kafka and ZooKeeper namespace."""
    return [
        _policy("default-deny-ingress", namespace, labels, {}, []),
        _policy("allow-kafka", namespace, labels, _role("kafka"),
                [_allow(_ports(9092), [_from_namespaces(sorted({*orderers, namespace}))])]),
        _policy("allow-zookeeper", namespace, labels, _role("zookeeper"),
                [_allow(_ports(2181, 2888, 3888), [_same_namespace()])]),
    ]


def disruption_budgets(namespace: str, labels: Labels, roles: Sequence[str]) -> list[Manifest]:
    """One PodDisruptionBudget per role: voluntary evictions (node drains) take down one pod of
    the role at a time, so a Raft majority, a set of endorsing peers or a Kafka ISR survives."""
    return [{
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(role, namespace, labels, Wave.NAMESPACE),
        "spec": {"maxUnavailable": 1, "selector": _role(role)},
    } for role in roles]
