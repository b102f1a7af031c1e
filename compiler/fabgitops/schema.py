"""The JSON Schema of cluster-config.yaml, generated from the pydantic models.

The models are the single source of truth; ``schemas/cluster-config.schema.json`` in the
repository is this module's output (a test fails when it is stale), and editors use it through
the ``# yaml-language-server: $schema=...`` comment of the examples.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fabgitops.model import ClusterConfig

SCHEMA_ID = "https://fabgitops.dev/schemas/cluster-config.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _strip_titles(node: Any) -> Any:
    """Drop pydantic's generated titles: they repeat the key in lower case and help no editor."""
    if isinstance(node, dict):
        return {
            key: _strip_titles(value)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


@cache
def json_schema() -> dict[str, Any]:
    """The schema as a dict (cached: generating it takes a few milliseconds)."""
    schema = ClusterConfig.model_json_schema(by_alias=True, mode="validation")
    body = _strip_titles(schema)
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": "fabgitops cluster-config", **body}


def schema_text() -> str:
    """The schema as the exact text of ``schemas/cluster-config.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
