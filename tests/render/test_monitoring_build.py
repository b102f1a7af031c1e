"""Monitoring as built by ``kubectl kustomize``: the ServiceMonitors select every node's Service
by labels the Services really carry, the Services name their metrics port, and the
NetworkPolicies admit only the Prometheus namespace to it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate

from fabgitops import monitoring
from fabgitops.monitoring.targets import TARGET_LABELS
from tests.conftest import kustomize, write_tree
from tests.render.conftest import Built
from tests.render.test_build import KUBERNETES


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    return all(labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", []))


def test_service_monitors_select_every_node_service(built: Callable[[str], Built]) -> None:
    network = built("monitoring")
    checked = 0
    for namespace, objects in network.objects.items():
        monitor = next(o for o in objects if o["kind"] == "ServiceMonitor")
        services = [o for o in objects if o["kind"] == "Service"
                    and o["metadata"]["labels"].get("role") in ("ca", "peer", "orderer")]
        assert services, namespace
        for service in services:
            labels = service["metadata"]["labels"]
            assert _selects(monitor["spec"]["selector"], labels), service["metadata"]["name"]
            # The relabelings copy these labels (as Prometheus spells them in its discovery
            # meta labels) into the target labels the rules use.
            assert set(TARGET_LABELS.values()) <= {re.sub(r"[^A-Za-z0-9_]", "_", k)
                                                   for k in labels}
            assert labels["app.kubernetes.io/instance"] == service["metadata"]["name"]
            ports = {p["name"]: p for p in service["spec"]["ports"]}
            assert ports["metrics"]["port"] == 9443
            assert ports["metrics"]["targetPort"] == "operations"
            checked += 1
    assert checked == sum(len(o.nodes) + 1 for o in network.compiled.plan.orgs)


def _operations_sources(objects: list[dict[str, Any]]) -> list[Any]:
    policy = next(o for o in objects if o["kind"] == "NetworkPolicy"
                  and o["metadata"]["name"] == "allow-operations")
    rules = policy["spec"]["ingress"]
    assert [r["ports"] for r in rules] == [[{"protocol": "TCP", "port": 9443}]]
    return list(rules[0]["from"])


def test_only_the_prometheus_namespace_reaches_the_operations_ports(
        built: Callable[[str], Built]) -> None:
    monitored = built("monitoring").objects
    for objects in monitored.values():
        assert _operations_sources(objects) == [{"namespaceSelector": {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "In",
             "values": ["monitoring"]}]}}]
    # Without Monitoring: inside the namespace, as before.
    for objects in built("article").objects.values():
        assert _operations_sources(objects) == [{"podSelector": {}}]
    assert len(monitored) == 3


def test_the_dashboard_directory_builds(built: Callable[[str], Built], tmp_path: Path) -> None:
    compiled = built("monitoring").compiled
    assert compiled.plan.monitoring is not None
    files = monitoring.network_files(compiled.plan, compiled.material.keystore,
                                     compiled.plan.monitoring)
    assert monitoring.SCRAPE_CONFIG_FILE not in files  # the Operator scrapes
    write_tree(tmp_path, files)
    objects = kustomize(tmp_path / "monitoring")
    assert [(o["kind"], o["metadata"]["namespace"]) for o in objects] == [
        ("ConfigMap", "monitoring")]
    config_map = objects[0]
    kubernetes_validate.validate(config_map, KUBERNETES, strict=True)
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (name, text), = config_map["data"].items()
    assert name == "fabric-fabric.json"
    assert json.loads(text)["title"] == "Fabric network fabric"


def _statefulsets(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == "StatefulSet"
            and o["metadata"]["labels"].get("role") in ("ca", "peer", "orderer")]


def test_operations_tls_on_every_node_with_monitoring(built: Callable[[str], Built]) -> None:
    """The built pods serve operations over TLS with the org's TLS CA as client roots, probe
    /healthz over HTTPS on the same port, and Prometheus' client pair is in the namespace."""
    checked = 0
    for namespace, objects in built("monitoring").objects.items():
        secret = next(o for o in objects if o["kind"] == "Secret"
                      and o["metadata"]["name"] == "prometheus-client")
        assert sorted(secret["data"]) == ["ca.crt", "tls.crt", "tls.key"], namespace
        for statefulset in _statefulsets(objects):
            template = statefulset["spec"]["template"]
            assert template["metadata"]["annotations"]["prometheus.io/scheme"] == "https"
            container = template["spec"]["containers"][0]
            env = {e["name"]: e.get("value") for e in container["env"]}
            enabled = [k for k in env if k.endswith("OPERATIONS_TLS_ENABLED")]
            assert [env[k] for k in enabled] == ["true"], statefulset["metadata"]["name"]
            assert any(k.endswith("OPERATIONS_LISTENADDRESS") for k in env)
            roots = [v for k, v in env.items() if "OPERATIONS_TLS_CLIENTROOTCAS" in k]
            if statefulset["metadata"]["labels"]["role"] == "ca":
                assert roots == []  # fabric-ca's /metrics asks for no client certificate
            else:
                assert [r.strip("[]") for r in roots if r] == [
                    env[next(k for k in env if k.endswith("OPERATIONS_TLS_CERT_FILE")
                             or k.endswith("OPERATIONS_TLS_CERTIFICATE"))].replace(
                        "server.crt", "ca.crt")]
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"] == {"path": "/healthz", "port": "operations",
                                                       "scheme": "HTTPS"}
            checked += 1
    assert checked == sum(len(o.nodes) + 1 for o in built("monitoring").compiled.plan.orgs)


def test_without_monitoring_operations_stay_plain(built: Callable[[str], Built]) -> None:
    for objects in built("article").objects.values():
        assert not [o for o in objects if o["metadata"]["name"] == "prometheus-client"]
        for statefulset in _statefulsets(objects):
            container = statefulset["spec"]["template"]["spec"]["containers"][0]
            assert not [e for e in container["env"] if "OPERATIONS_TLS" in e["name"]]
            assert "scheme" not in container["readinessProbe"]["httpGet"]
