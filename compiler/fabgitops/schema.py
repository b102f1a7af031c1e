"""The JSON Schema of cluster-config.yaml, generated from the pydantic models.

The models are the single source of truth; ``schemas/cluster-config.schema.json`` in the
repository is this module's output (a test fails when it is stale), and editors use it through
the ``# yaml-language-server: $schema=...`` comment of the examples. The wheel ships that file
as ``fabgitops/schemas/``, and ``validate`` reads it (:func:`shipped_schema`) rather than
generating it: reading takes well under a millisecond, generating a good part of the start-up.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = "cluster-config.schema.json"
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
    """The schema generated from the models, as a dict (cached)."""
    from fabgitops.model import ClusterConfig

    schema = ClusterConfig.model_json_schema(by_alias=True, mode="validation")
    body = _strip_titles(schema)
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": "fabgitops cluster-config", **body}


def schema_text() -> str:
    """The schema as the exact text of ``schemas/cluster-config.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_path() -> Path | None:
    """The committed schema file: package data in a wheel, ``schemas/`` in a checkout."""
    package = Path(__file__).resolve().parent
    for directory in (package / "schemas", package.parents[1] / "schemas"):
        if (directory / SCHEMA_FILE).is_file():
            return directory / SCHEMA_FILE
    return None


@cache
def shipped_schema() -> dict[str, Any]:
    """The committed schema (equal to :func:`json_schema`: a test fails when it is stale), or
    the generated one when no file was shipped."""
    path = shipped_path()
    if path is None:
        return json_schema()
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
