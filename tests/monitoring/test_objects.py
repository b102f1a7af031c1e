"""The Prometheus Operator objects pass the CRDs' schemas; the schemas are not vacuous; the
objects select the nodes' Services and carry the configured labels."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from fabgitops import monitoring
from tests.monitoring import crd
from tests.monitoring.support import compiled


def operator_objects(name: str = "article") -> list[dict[str, Any]]:
    found = []
    for path, content in sorted(compiled(name).rendered.files.items()):
        if path.endswith("/" + monitoring.OVERLAY_FILE):
            found += [doc for doc in yaml.safe_load_all(content) if doc]
    return found


@pytest.mark.parametrize("name", ["article", "bft", "kafka"])
def test_objects_pass_the_crd_schemas(name: str) -> None:
    objects = operator_objects(name)
    plan = compiled(name).plan
    assert sorted((o["metadata"]["namespace"], o["kind"]) for o in objects) == sorted(
        (org.namespace, kind) for org in plan.orgs for kind in ("PrometheusRule",
                                                                 "ServiceMonitor"))
    for obj in objects:
        assert crd.problems(obj) == []
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"


@pytest.mark.parametrize("file", sorted(crd.KINDS.values()))
def test_schemas_name_their_source_commit(file: str) -> None:
    comment = crd.schema(file)["$comment"]
    assert re.search(r"prometheus-operator/prometheus-operator \S+\.yaml at commit [0-9a-f]{40}",
                     comment)


def _break(obj: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(obj)
    target: Any = broken
    *parents, last = dotted.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return broken


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("ServiceMonitor", "spec.endpoints.0.scheme", "tcp"),                   # enum
    ("ServiceMonitor", "spec.endpoints.0.interval", "30 seconds"),          # pattern
    ("ServiceMonitor", "spec.endpoints.0.relabelings.0.targetlabel", "x"),  # unknown field
    ("ServiceMonitor", "spec.selector.matchLabels", ["app"]),               # type
    ("PrometheusRule", "spec.groups.0.rules.0.expr", None),                 # required
    ("PrometheusRule", "spec.groups.1.rules.0.for", "ten minutes"),         # pattern
    ("PrometheusRule", "spec.groups.0.name", None),                         # required
])
def test_the_schemas_reject_what_the_crds_reject(kind: str, field: str, value: Any) -> None:
    valid = next(o for o in operator_objects() if o["kind"] == kind)
    assert crd.problems(valid) == []
    assert crd.problems(_break(valid, field, value))


def test_the_service_monitor_selects_the_nodes_services() -> None:
    network = compiled()
    org1 = network.plan.org("Org1")
    monitor = next(o for o in operator_objects() if o["kind"] == "ServiceMonitor"
                   and o["metadata"]["namespace"] == org1.namespace)
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": [org1.namespace]}
    assert spec["selector"]["matchLabels"] == {"app": "hyperledger",
                                               "app.kubernetes.io/part-of": "fabric"}
    hosts = [org1.ca.hostname, *(n.hostname for n in org1.nodes)]
    assert [e["tlsConfig"]["serverName"] for e in spec["endpoints"]] == hosts
    for endpoint, host in zip(spec["endpoints"], hosts, strict=True):
        assert (endpoint["port"], endpoint["scheme"]) == ("metrics", "https")
        keep, *copies = endpoint["relabelings"]
        assert keep == {"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"],
                        "regex": host}
        assert {r["targetLabel"] for r in copies} == {"network", "org", "node", "role"}
        tls = endpoint["tlsConfig"]
        assert tls["ca"]["secret"] == {"name": "prometheus-client", "key": "ca.crt"}
        if host == org1.ca.hostname:  # fabric-ca's /metrics asks for no client certificate
            assert "cert" not in tls and "keySecret" not in tls
        else:
            assert tls["keySecret"] == {"name": "prometheus-client", "key": "tls.key"}
            assert tls["cert"]["secret"] == {"name": "prometheus-client", "key": "tls.crt"}
