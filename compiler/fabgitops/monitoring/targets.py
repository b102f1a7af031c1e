"""How Prometheus finds the nodes: a ServiceMonitor per org namespace (Prometheus Operator), or
one plain ``scrape_configs`` job for the network.

Every node's Service names its operations port ``metrics`` (bases/*/service.yaml). Both ways
keep only those ports of this network's Services and give each target the labels the rules
use: ``network``, ``org`` (the namespace), ``node`` (the host name, which is the Service
name) and ``role`` (ca, peer, orderer), copied from the Service's labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fabgitops.monitoring import operations
from fabgitops.plan import Org, Plan

Manifest = dict[str, Any]

METRICS_PORT = "metrics"
SCRAPE_INTERVAL = "30s"
ROLES = ("ca", "orderer", "peer")
TARGET_LABELS = {
    "network": "app_kubernetes_io_part_of",
    "org": "org",
    "node": "app_kubernetes_io_instance",
    "role": "role",
}
"""Target label -> the Service label it comes from (Prometheus' sanitized spelling)."""
SERVICE_MONITOR = "fabric-nodes"
PROMETHEUS_RULE = "fabric-alerts"
MONITORING_API = "monitoring.coreos.com/v1"


def _hosts(org: Org) -> list[str]:
    """The org's scraped Services: its CA and its nodes (Service name = host name)."""
    return [org.ca.hostname, *(n.hostname for n in org.nodes)]


def service_monitor(plan: Plan, org: Org, metadata: Manifest) -> Manifest:
    """The ServiceMonitor of one org namespace: its CA, peers and orderers over operations TLS.

    One endpoint per node: each node's certificate names only its own host, and a
    ServiceMonitor endpoint has one ``serverName``, so each endpoint keeps only its node's
    Service and verifies that name.
    """
    copies = [{"action": "replace", "sourceLabels": [f"__meta_kubernetes_service_label_{s}"],
               "targetLabel": target} for target, s in TARGET_LABELS.items()]
    secret = operations.CLIENT_SECRET
    endpoints: list[Manifest] = []
    for host in _hosts(org):
        tls: Manifest = {"ca": {"secret": {"name": secret, "key": "ca.crt"}}, "serverName": host}
        if host != org.ca.hostname:  # fabric-ca's /metrics asks for no client certificate
            tls |= {"cert": {"secret": {"name": secret, "key": "tls.crt"}},
                    "keySecret": {"name": secret, "key": "tls.key"}}
        endpoints.append({
            "port": METRICS_PORT, "path": "/metrics", "scheme": "https",
            "interval": SCRAPE_INTERVAL, "tlsConfig": tls,
            "relabelings": [{"action": "keep",
                             "sourceLabels": ["__meta_kubernetes_service_name"],
                             "regex": host}, *copies],
        })
    return {
        "apiVersion": MONITORING_API,
        "kind": "ServiceMonitor",
        "metadata": metadata,
        "spec": {
            "selector": {
                "matchLabels": {"app": "hyperledger",
                                "app.kubernetes.io/part-of": plan.network_name},
                "matchExpressions": [{"key": "role", "operator": "In", "values": list(ROLES)}],
            },
            "namespaceSelector": {"matchNames": [org.namespace]},
            "endpoints": endpoints,
        },
    }


def prometheus_rule(groups: Sequence[Mapping[str, Any]], metadata: Manifest) -> Manifest:
    """The PrometheusRule of one org namespace."""
    return {"apiVersion": MONITORING_API, "kind": "PrometheusRule", "metadata": metadata,
            "spec": {"groups": [dict(g) for g in groups]}}


def secret_dir(org: Org) -> str:
    """Where the plain configuration expects an org's ``prometheus-client`` Secret mounted."""
    return f"/etc/prometheus/secrets/fabric-{org.namespace}"


def scrape_config(plan: Plan) -> Manifest:
    """``scrape_configs`` jobs for a Prometheus without the Operator: one per node, since each
    verifies its node's host name (Kubernetes discovery of the Services' endpoints; Prometheus
    needs RBAC to list them, and each org's Secret ``prometheus-client`` mounted at
    :func:`secret_dir`)."""
    jobs = []
    for org in plan.orgs:
        files = secret_dir(org)
        for host in _hosts(org):
            keep = {"action": "keep",
                    "source_labels": ["__meta_kubernetes_namespace",
                                      "__meta_kubernetes_service_name",
                                      "__meta_kubernetes_endpoint_port_name"],
                    "regex": f"{org.namespace};{host};{METRICS_PORT}"}
            copies = [{"action": "replace",
                       "source_labels": [f"__meta_kubernetes_service_label_{source}"],
                       "target_label": target} for target, source in TARGET_LABELS.items()]
            jobs.append({
                "job_name": f"fabric-{plan.network_name}-{org.namespace}-{host}",
                "scheme": "https",
                "metrics_path": "/metrics",
                "scrape_interval": SCRAPE_INTERVAL,
                "tls_config": {"ca_file": f"{files}/ca.crt", "server_name": host,
                               **({} if host == org.ca.hostname else {
                                   "cert_file": f"{files}/tls.crt",
                                   "key_file": f"{files}/tls.key"})},
                "kubernetes_sd_configs": [{"role": "endpoints",
                                           "namespaces": {"names": [org.namespace]}}],
                "relabel_configs": [keep, *copies],
            })
    return {"scrape_configs": jobs}
