"""How a node of a cluster with an ``ExternalDomain`` is reached from other clusters: an
SNI-passthrough Ingress of the cluster's IngressClass, or a LoadBalancer Service whose DNS name
external-dns publishes. TLS stays end to end: the node's own certificate, whose SANs carry the
external name (``placement.place``), is what the dialing node verifies."""

from __future__ import annotations

from collections.abc import Sequence

from fabgitops.model import Cluster, Exposure
from fabgitops.placement.clusters import org_cluster
from fabgitops.plan import Node, Org, Plan
from fabgitops.render.common import Labels, Manifest, metadata
from fabgitops.render.exposure import BACKEND_PROTOCOL, PASSTHROUGH
from fabgitops.waves import Wave

EXTERNAL_DNS = "external-dns.alpha.kubernetes.io/hostname"
"""external-dns publishes this name for the LoadBalancer's address."""


def cluster_exposure(plan: Plan, org: Org, node: Node, labels: Labels, wave: Wave,
                     port_name: str) -> dict[str, Manifest] | None:
    """The node's exposure files when its cluster has an external domain, else None (the
    network-wide ``Kubernetes.Expose`` then applies, as without clusters)."""
    cluster = org_cluster(plan, org)
    if cluster.external_domain is None or node.external is None:
        return None
    host, port = node.external.host, node.address.port
    if cluster.exposure is Exposure.LOAD_BALANCER:
        return {"loadbalancer.yaml": _load_balancer(node.hostname, org.namespace, labels, wave,
                                                    port_name, port, host)}
    return {"ingress.yaml": _ingress(cluster, node.hostname, org.namespace, labels, wave, host,
                                     port)}


def _load_balancer(service: str, namespace: str, labels: Labels, wave: Wave, port_name: str,
                   port: int, host: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(f"{service}-external", namespace, labels, wave,
                             {EXTERNAL_DNS: host}),
        "spec": {
            "type": "LoadBalancer",
            "selector": labels.selector(),
            "ports": [{"name": port_name, "port": port, "targetPort": port, "protocol": "TCP"}],
        },
    }


def _ingress(cluster: Cluster, service: str, namespace: str, labels: Labels, wave: Wave,
             host: str, port: int) -> Manifest:
    annotations = {PASSTHROUGH: "true", BACKEND_PROTOCOL: "GRPCS"}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(service, namespace, labels, wave, annotations),
        "spec": {
            "ingressClassName": cluster.ingress_class_name,
            "rules": [{
                "host": host,
                "http": {"paths": [{
                    "path": "/",
                    "pathType": "ImplementationSpecific",
                    "backend": {"service": {"name": service, "port": {"number": port}}},
                }]},
            }],
        },
    }


def policy_sources(plan: Plan, org: Org, partners: Sequence[Org], exposed: bool
                   ) -> tuple[tuple[str, ...], bool]:
    """Who the org's NetworkPolicies admit to the peer and orderer ports: the namespaces of
    the ``partners`` (the orgs it talks to) that run on its own cluster plus, for an Ingress
    cluster, the ingress controller's namespace (the only way in from other clusters); a
    LoadBalancer keeps no stable source, so its ports stay open (``exposed``)."""
    if not plan.kubernetes.clusters:
        return tuple(sorted({o.namespace for o in partners if not o.external})), exposed
    cluster = org_cluster(plan, org)
    sources = sorted({o.namespace for o in partners
                      if not o.external and org_cluster(plan, o).name == cluster.name})
    if cluster.external_domain is not None and cluster.exposure is Exposure.INGRESS:
        sources.append(cluster.ingress_namespace)
        return tuple(sorted(set(sources))), exposed
    lb = cluster.external_domain is not None and cluster.exposure is Exposure.LOAD_BALANCER
    return tuple(sources), exposed or lb
