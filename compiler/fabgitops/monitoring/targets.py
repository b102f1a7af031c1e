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


def service_monitor(plan: Plan, org: Org, metadata: Manifest) -> Manifest:
    """The ServiceMonitor of one org namespace: its CA, peers and orderers."""
    relabelings = [{"action": "replace", "sourceLabels": [f"__meta_kubernetes_service_label_{s}"],
                    "targetLabel": target} for target, s in TARGET_LABELS.items()]
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
            "endpoints": [{"port": METRICS_PORT, "path": "/metrics", "scheme": "http",
                           "interval": SCRAPE_INTERVAL, "relabelings": relabelings}],
        },
    }


def prometheus_rule(groups: Sequence[Mapping[str, Any]], metadata: Manifest) -> Manifest:
    """The PrometheusRule of one org namespace."""
    return {"apiVersion": MONITORING_API, "kind": "PrometheusRule", "metadata": metadata,
            "spec": {"groups": [dict(g) for g in groups]}}


def scrape_config(plan: Plan) -> Manifest:
    """A ``scrape_configs`` job for a Prometheus without the Operator (Kubernetes discovery of
    the Services' endpoints; Prometheus needs RBAC to list them in the org namespaces)."""
    keep = {"action": "keep",
            "source_labels": ["__meta_kubernetes_service_label_app_kubernetes_io_part_of",
                              "__meta_kubernetes_service_label_role",
                              "__meta_kubernetes_endpoint_port_name"],
            "regex": f"{plan.network_name};({'|'.join(ROLES)});{METRICS_PORT}"}
    copies = [{"action": "replace",
               "source_labels": [f"__meta_kubernetes_service_label_{source}"],
               "target_label": target} for target, source in TARGET_LABELS.items()]
    return {"scrape_configs": [{
        "job_name": f"fabric-{plan.network_name}",
        "scheme": "http",
        "metrics_path": "/metrics",
        "scrape_interval": SCRAPE_INTERVAL,
        "kubernetes_sd_configs": [{"role": "endpoints", "namespaces": {
            "names": sorted({o.namespace for o in plan.orgs})}}],
        "relabel_configs": [keep, *copies],
    }]}
