"""Semantic rules: what the JSON Schema cannot say about a cluster-config.

Each rule module exposes ``check(ctx) -> Iterator[Issue]`` and reports every problem it finds;
errors stop a compile, warnings are printed.
"""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.model import ClusterConfig
from fabgitops.rules import chaincodes, channels, consensus, delivery, exposure, names
from fabgitops.rules.context import Context
from fabgitops.yamlio import Document

_RULES = (names, channels, consensus, exposure, delivery, chaincodes)


def check(config: ClusterConfig, doc: Document) -> Iterator[Issue]:
    """Run every semantic rule over a configuration that passed the schema."""
    ctx = Context(config, doc)
    for rule in _RULES:
        yield from rule.check(ctx)
