"""Monitoring: how Prometheus scrapes the nodes and which alerts it evaluates."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fabgitops.model.base import StrictModel

LABEL_KEY_PATTERN = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"  # noqa: E501
LABEL_VALUE_PATTERN = r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
PROMETHEUS_DURATION_PATTERN = r"^([0-9]+(ms|s|m|h|d|w|y))+$"

LabelMap = dict[Annotated[str, Field(pattern=LABEL_KEY_PATTERN, max_length=317)],
                Annotated[str, Field(pattern=LABEL_VALUE_PATTERN, max_length=63)]]
"""Kubernetes labels: qualified names and label values."""
Duration = Annotated[str, Field(pattern=PROMETHEUS_DURATION_PATTERN,
                                description="A Prometheus duration such as '5m' or '1h30m'.")]


class Thresholds(StrictModel):
    """When the alerts fire. Durations are Prometheus durations (``5m``, ``1h``)."""

    certificate_warning_days: int = Field(default=30, ge=1, le=3650)
    """Warn when a certificate of the keystore expires within this many days."""
    certificate_critical_days: int = Field(default=7, ge=1, le=3650)
    """Critical when a certificate expires within this many days (below the warning)."""
    leader_changes: int = Field(default=3, ge=1, le=1000)
    """Raft/BFT leader changes of a channel within ``LeaderChangesWindow`` that alert."""
    leader_changes_window: Duration = "15m"
    no_leader_for: Duration = "1m"
    """How long a channel may have no leader on any orderer before it alerts."""
    height_lag_blocks: int = Field(default=10, ge=1, le=1_000_000)
    """Blocks a peer may be behind the highest peer or orderer of its channel."""
    height_lag_for: Duration = "5m"
    down_for: Duration = "2m"
    """How long a node may be unreachable before it alerts."""
    endorsement_failure_ratio: float = Field(default=0.05, gt=0, le=1)
    """Share of a peer's proposals failing endorsement that alerts."""
    grpc_error_ratio: float = Field(default=0.05, gt=0, le=1)
    """Share of a node's completed gRPC calls with an error code that alerts."""
    errors_for: Duration = "10m"


class Monitoring(StrictModel):
    """Prometheus scraping, alerts and a Grafana dashboard. Without this section the nodes
    still serve Prometheus metrics on their operations port (the Services name it
    ``metrics``), and nothing else is generated."""

    prometheus_operator: bool = True
    """ServiceMonitors and PrometheusRules (the Prometheus Operator's CRDs) in every org
    namespace; false: scrape annotations, and a plain Prometheus scrape configuration and
    rule file in ``monitoring/``."""
    namespace: str = Field(default="monitoring", pattern=DNS_LABEL_PATTERN, max_length=63)
    """The namespace Prometheus runs in: the only one the NetworkPolicies admit to the
    operations ports, and where the Grafana dashboard ConfigMap goes."""
    labels: LabelMap = Field(default_factory=dict)
    """Labels on the ServiceMonitors and PrometheusRules, so that the Prometheus selects them
    (kube-prometheus-stack selects ``release: <its release name>``)."""
    dashboard_labels: LabelMap = Field(default_factory=lambda: {"grafana_dashboard": "1"})
    """Labels on the Grafana dashboard ConfigMap (the Grafana sidecar's convention)."""
    runbook_url: str = Field(default="README.md", min_length=1, alias="RunbookURL")
    """Where fabgitops' README (its runbook sections) is published: every alert's
    ``runbook_url`` is ``<RunbookURL>#<the alert's section>``."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
