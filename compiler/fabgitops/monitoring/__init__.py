"""Monitoring (cluster-config ``Monitoring:``): scrape targets, alert rules and a dashboard.

Pure functions of the plan, the monitoring settings and the keystore tree:

- :func:`org_objects`: with ``PrometheusOperator``, the ServiceMonitor and PrometheusRule of an
  org namespace (the render stage puts them into ``overlays/<ns>/monitoring.yaml``);
- :func:`network_files`: ``monitoring/`` next to the overlays: a Kustomize directory with the
  Grafana dashboard ConfigMap for ``Monitoring.Namespace``, and without the Operator the plain
  Prometheus scrape configuration and rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fabgitops import yamlio
from fabgitops.layout import MONITORING_DIR
from fabgitops.model import Monitoring
from fabgitops.monitoring import operations
from fabgitops.monitoring.dashboard import dashboard_json
from fabgitops.monitoring.inventory import Certificate, certificates
from fabgitops.monitoring.rules import ALERTS, CERT_EXPIRY, NODE_INFO, Alert, org_groups
from fabgitops.monitoring.targets import (
    PROMETHEUS_RULE,
    SERVICE_MONITOR,
    prometheus_rule,
    scrape_config,
    service_monitor,
)
from fabgitops.plan import Org, Plan
from fabgitops.tree import FileTree, generated_yaml, manifest_file

Manifest = dict[str, Any]

OVERLAY_FILE = "monitoring.yaml"
DASHBOARD_FILE = f"{MONITORING_DIR}/grafana-dashboard.yaml"
SCRAPE_CONFIG_FILE = f"{MONITORING_DIR}/prometheus-scrape-config.yaml"
RULES_FILE = f"{MONITORING_DIR}/prometheus-rules.yaml"

__all__ = [
    "ALERTS", "CERT_EXPIRY", "DASHBOARD_FILE", "NODE_INFO", "OVERLAY_FILE", "RULES_FILE",
    "SCRAPE_CONFIG_FILE", "Alert", "Certificate", "certificates", "network_files",
    "operations", "org_objects", "rule_groups",
]


def rule_groups(plan: Plan, keystore: Mapping[str, bytes], settings: Monitoring,
                orgs: tuple[Org, ...] | None = None) -> list[dict[str, Any]]:
    """The rule groups of ``orgs`` (default every org), as Prometheus rule files hold them."""
    chosen = plan.orgs if orgs is None else orgs
    inventory = certificates(chosen, keystore)  # an org's are below its own directory
    groups: list[dict[str, Any]] = []
    for org in chosen:
        own = [c for c in inventory if c.namespace == org.namespace]
        groups += org_groups(plan, org, own, settings)
    return groups


def org_objects(plan: Plan, org: Org, keystore: Mapping[str, bytes], settings: Monitoring,
                metadata: Mapping[str, Any]) -> list[Manifest]:
    """The Prometheus Operator objects of an org namespace (none without the Operator).

    ``keystore`` needs to hold only the org's files (``inventory.by_org_directory``): reading
    the whole keystore for each org made rendering quadratic in the orgs. ``metadata`` is the
    render stage's metadata for the namespace; the objects get its labels plus
    ``Monitoring.Labels``, which a Prometheus' rule and monitor selectors match.
    """
    if not settings.prometheus_operator:
        return []
    def meta(name: str) -> Manifest:
        return {**metadata, "name": name,
                "labels": {**metadata.get("labels", {}), **settings.labels}}
    return [service_monitor(plan, org, meta(SERVICE_MONITOR)),
            prometheus_rule(rule_groups(plan, keystore, settings, (org,)),
                            meta(PROMETHEUS_RULE))]


def network_files(plan: Plan, keystore: Mapping[str, bytes], settings: Monitoring) -> FileTree:
    """``monitoring/``: the dashboard (a Kustomize directory), and the plain Prometheus files
    when there is no Operator."""
    limits = settings.thresholds
    name = f"fabgitops-{plan.network_name}-dashboard"
    config_map = {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": settings.namespace, "labels": {
            "app.kubernetes.io/part-of": plan.network_name,
            "app.kubernetes.io/managed-by": "fabgitops", **settings.dashboard_labels}},
        "data": {f"fabric-{plan.network_name}.json": dashboard_json(
            plan, limits.certificate_warning_days, limits.certificate_critical_days)},
    }
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "namespace": settings.namespace,
                     "resources": [DASHBOARD_FILE.removeprefix(f"{MONITORING_DIR}/")]}
    files = {f"{MONITORING_DIR}/kustomization.yaml": manifest_file(kustomization),
             DASHBOARD_FILE: manifest_file(config_map)}
    if not settings.prometheus_operator:
        # Prometheus configuration, not Kubernetes objects: keys in Prometheus' own order.
        files[SCRAPE_CONFIG_FILE] = generated_yaml(
            "# Add these jobs to prometheus.yml (scrape_configs), and\n"
            "# monitoring/prometheus-rules.yaml to its rule_files. Each job reads the Secret\n"
            "# prometheus-client of its org namespace, copied to the Prometheus namespace and\n"
            "# mounted at /etc/prometheus/secrets/fabric-<ns>.\n"
            + yamlio.dump(scrape_config(plan), sort_keys=False))
        files[RULES_FILE] = generated_yaml(yamlio.dump(
            {"groups": rule_groups(plan, keystore, settings)}, sort_keys=False))
    return files
