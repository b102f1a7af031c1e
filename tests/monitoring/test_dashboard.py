"""The Grafana dashboard: valid JSON in a ConfigMap, the panels the runbook promises, and every
query valid PromQL (promtool parses it as a recording rule)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from fabgitops import monitoring
from tests.monitoring.support import compiled, run_promtool, settings, write_yaml


def dashboard() -> dict[str, Any]:
    network = compiled()
    files = monitoring.network_files(network.plan, network.material.keystore,
                                     settings(network))
    config_map = yaml.safe_load(files[monitoring.DASHBOARD_FILE])
    (text,) = config_map["data"].values()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_the_dashboard_is_valid_json_with_every_promised_panel() -> None:
    model = dashboard()
    panels = model["panels"]
    assert len({p["id"] for p in panels}) == len(panels) == 9
    titles = " | ".join(p["title"] for p in panels)
    for topic in ("Block height per channel and node", "Consensus leader", "transactions per "
                  "second", "Block processing time", "Endorsement latency",
                  "Certificate days left"):
        assert topic.lower() in titles.lower(), topic
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["targets"] and panel["gridPos"]["w"] > 0


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    queries = [t["expr"].replace("$channel", ".*") for p in dashboard()["panels"]
               for t in p["targets"]]
    assert len(queries) >= 9
    rules = [{"record": f"dashboard:query{i}", "expr": q} for i, q in enumerate(queries)]
    path = write_yaml(tmp_path / "queries.yaml", {"groups": [{"name": "q", "rules": rules}]})
    output = run_promtool("check", "rules", str(path), cwd=tmp_path)
    assert f"SUCCESS: {len(rules)} rules found" in output
