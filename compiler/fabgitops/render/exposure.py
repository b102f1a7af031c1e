"""How a node is reached from outside the cluster: a NodePort Service or a TLS-passthrough
Ingress, next to the node's ClusterIP Service (which keeps every in-cluster port).

Only the port clients use leaves the cluster (peer 7051, orderer 7050, CA 7054). The plan also
numbers a 7052 NodePort for peers, as the article did; it is not opened, because chaincode
reaches its peer from inside the cluster and the article exposed it for no reason
(docs/article.md#nodeports).
"""

from __future__ import annotations

from fabgitops.model import Expose
from fabgitops.plan import Plan
from fabgitops.render.common import Labels, Manifest, metadata
from fabgitops.waves import Wave

# ingress-nginx routes TLS by SNI to the backend without terminating it when the controller
# runs with --enable-ssl-passthrough; TLS then stays end to end between client and node, so the
# node's own certificate (whose SANs include the external name) is what clients verify.
PASSTHROUGH = "nginx.ingress.kubernetes.io/ssl-passthrough"
BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"


def nodeport_service(host: str, namespace: str, labels: Labels, wave: Wave, port_name: str,
                     port: int, node_port: int) -> Manifest:
    """Service ``<host>-nodeport``: the node's client port on the plan's NodePort."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(f"{host}-nodeport", namespace, labels, wave),
        "spec": {
            "type": "NodePort",
            "selector": labels.selector(),
            "ports": [{"name": port_name, "port": port, "targetPort": port, "protocol": "TCP",
                       "nodePort": node_port}],
        },
    }


def ingress(plan: Plan, host: str, namespace: str, labels: Labels, wave: Wave,
            external_host: str, port: int, protocol: str) -> Manifest:
    """Ingress ``<host>``: SNI ``external_host`` passed through to Service ``<host>``
    (``protocol`` GRPCS for peers and orderers, HTTPS for a CA)."""
    annotations = {PASSTHROUGH: "true", BACKEND_PROTOCOL: protocol}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(host, namespace, labels, wave, annotations),
        "spec": {
            "ingressClassName": plan.kubernetes.ingress.class_name,
            "rules": [{
                "host": external_host,
                "http": {"paths": [{
                    "path": "/",
                    "pathType": "ImplementationSpecific",
                    "backend": {"service": {"name": host, "port": {"number": port}}},
                }]},
            }],
        },
    }


def exposure(plan: Plan, *, host: str, namespace: str, labels: Labels, wave: Wave,
             port_name: str, port: int, node_port: int | None,
             external_host: str | None) -> dict[str, Manifest]:
    """The files exposing one node (``nodeport.yaml`` or ``ingress.yaml``), or none."""
    expose = plan.kubernetes.expose
    if expose is Expose.NODE_PORT and node_port is not None:
        return {"nodeport.yaml": nodeport_service(host, namespace, labels, wave, port_name, port,
                                                  node_port)}
    if expose is Expose.INGRESS and external_host is not None:
        protocol = "HTTPS" if port_name == "https" else "GRPCS"
        return {"ingress.yaml": ingress(plan, host, namespace, labels, wave, external_host, port,
                                        protocol)}
    return {}
