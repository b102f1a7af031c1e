"""Validation of monitoring.coreos.com objects against the Prometheus Operator's CRD schemas.

``crd_schemas/*.json`` are the CRDs' structural schemas turned into JSON Schema (each names its
source file and commit in ``$comment``): every type, enum, pattern and required field, and
``additionalProperties: false`` wherever the CRD lists properties, so that a misspelt field
fails here instead of being pruned by the API server.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

GROUP = "monitoring.coreos.com/"
SCHEMAS = Path(__file__).parent / "crd_schemas"
KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule.json",
}


@cache
def schema(file: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / file).read_text(encoding="utf-8"))
    return loaded


def problems(obj: dict[str, Any]) -> list[str]:
    """Every schema violation of ``obj`` (an unknown kind is one)."""
    name = f"{obj.get('kind')} {obj.get('metadata', {}).get('name')}"
    file = KINDS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if file is None:
        return [f"{name}: no CRD schema for {obj.get('apiVersion')}"]
    validator = jsonschema.Draft202012Validator(schema(file))
    return [f"{name}: {'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(obj)]
