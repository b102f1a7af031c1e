"""The Grafana dashboard of a network: block height per channel and peer, consensus state,
transaction rate and latency, certificate days left.

Grafana's dashboard JSON model (schemaVersion 39): panels on a 24-column grid, Prometheus
queries through a ``datasource`` template variable so that the dashboard works with whatever
the Prometheus data source is called, and a ``channel`` variable filled from the metrics.
"""

from __future__ import annotations

import json
from typing import Any

from fabgitops.monitoring.rules import CERT_EXPIRY, DAY
from fabgitops.plan import Plan

Panel = dict[str, Any]

SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 12
HEIGHT = 8


def dashboard(plan: Plan, warning_days: int, critical_days: int) -> dict[str, Any]:
    """The dashboard model (``uid`` stable per network, so re-imports replace it)."""
    net = f'network="{plan.network_name}"'
    chan = f'{net}, channel=~"$channel"'
    specs: list[tuple[str, str, list[tuple[str, str]], str]] = [
        ("Block height per channel and node", "timeseries",
         [(f"ledger_blockchain_height{{{chan}}}", "{{channel}} {{org}}/{{node}}")], "none"),
        ("Blocks behind the channel's highest node", "timeseries",
         [(f"max by (channel) (ledger_blockchain_height{{{chan}}}) - on (channel) "
           f"group_right () ledger_blockchain_height{{{chan}}}",
           "{{channel}} {{org}}/{{node}}")], "none"),
        ("Consensus leader (1 = leader)", "timeseries",
         [(f'{{__name__=~"consensus_(etcdraft|BFT)_is_leader", {chan}}}',
           "{{channel}} {{org}}/{{node}}")], "none"),
        ("Consensus cluster: size and active nodes", "timeseries",
         [(f'{{__name__=~"consensus_(etcdraft|BFT)_cluster_size", {chan}}}',
           "size {{channel}} {{node}}"),
          (f"consensus_etcdraft_active_nodes{{{chan}}}", "active {{channel}} {{node}}")],
         "none"),
        ("Committed transactions per second", "timeseries",
         [(f"sum by (channel, validation_code) "
           f"(rate(ledger_transaction_count{{{chan}}}[5m]))",
           "{{channel}} {{validation_code}}")], "ops"),
        ("Transactions ordered per second", "timeseries",
         [(f"sum by (channel, status) (rate(broadcast_processed_count{{{chan}}}[5m]))",
           "{{channel}} {{status}}")], "ops"),
        ("Block processing time (p95)", "timeseries",
         [(f"histogram_quantile(0.95, sum by (le, channel) "
           f"(rate(ledger_block_processing_time_bucket{{{chan}}}[5m])))", "{{channel}}")],
         "s"),
        ("Endorsement latency (p95)", "timeseries",
         [(f"histogram_quantile(0.95, sum by (le, channel, chaincode) "
           f"(rate(endorser_proposal_duration_bucket{{{chan}}}[5m])))",
           "{{channel}} {{chaincode}}")], "s"),
    ]
    panels = [_panel(i, title, kind, queries, unit)
              for i, (title, kind, queries, unit) in enumerate(specs)]
    panels.append(_certificates(len(panels), net, warning_days, critical_days))
    return {
        "uid": f"fabgitops-{plan.network_name}"[:40],
        "title": f"Fabric network {plan.network_name}",
        "tags": ["fabric", "fabgitops"],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": False,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource",
             "query": "prometheus", "hide": 0},
            {"name": "channel", "label": "Channel", "type": "query", "datasource": DATASOURCE,
             "query": {"query": f"label_values(ledger_blockchain_height{{{net}}}, channel)",
                       "refId": "channels"},
             "definition": f"label_values(ledger_blockchain_height{{{net}}}, channel)",
             "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
             "current": {"text": "All", "value": "$__all"}, "hide": 0},
        ]},
        "panels": panels,
    }


def dashboard_json(plan: Plan, warning_days: int, critical_days: int) -> str:
    """The dashboard as the ConfigMap carries it (stable, readable JSON)."""
    return json.dumps(dashboard(plan, warning_days, critical_days), indent=2,
                      sort_keys=True) + "\n"


def _grid(index: int) -> dict[str, int]:
    return {"x": (index % 2) * WIDTH, "y": (index // 2) * HEIGHT, "w": WIDTH, "h": HEIGHT}


def _targets(queries: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"datasource": DATASOURCE, "expr": expr, "legendFormat": legend,
             "refId": chr(ord("A") + i)} for i, (expr, legend) in enumerate(queries)]


def _panel(index: int, title: str, kind: str, queries: list[tuple[str, str]],
           unit: str) -> Panel:
    return {"id": index + 1, "type": kind, "title": title, "datasource": DATASOURCE,
            "gridPos": _grid(index), "targets": _targets(queries),
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom",
                                   "showLegend": True}}}


def _certificates(index: int, net: str, warning_days: int, critical_days: int) -> Panel:
    """Days left per keystore certificate, soonest first, coloured by the alert thresholds."""
    grid = _grid(index) | {"x": 0, "w": 2 * WIDTH, "h": 2 * HEIGHT}
    query = f"sort(({CERT_EXPIRY}{{{net}}} - time()) / {DAY})"
    return {
        "id": index + 1, "type": "bargauge", "title": "Certificate days left",
        "datasource": DATASOURCE, "gridPos": grid,
        "targets": _targets([(query, "{{org}} {{node}} {{kind}} {{subject}}")]),
        "fieldConfig": {"defaults": {"unit": "d", "min": 0, "thresholds": {
            "mode": "absolute", "steps": [
                {"color": "red", "value": None},
                {"color": "orange", "value": critical_days},
                {"color": "green", "value": warning_days}]}}, "overrides": []},
        "options": {"orientation": "horizontal", "displayMode": "basic",
                    "showUnfilled": True, "reduceOptions": {
                        "calcs": ["lastNotNull"], "fields": "", "values": False}},
    }
