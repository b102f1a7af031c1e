"""Semantic rules: what the JSON Schema cannot say, checked over the plan.

Each rule module exposes ``check(ctx) -> Iterator[Issue]`` and reports every problem it finds
at the plan value's source; errors stop a compile, warnings are printed. Each invariant has one
rule: later stages rely on it and raise only internal errors.
"""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.placement import rules as placement
from fabgitops.plan import Plan
from fabgitops.rules import (
    certificates,
    chaincodes,
    channels,
    consensus,
    delivery,
    exposure,
    monitoring,
    names,
)
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Document

_RULES = (names, certificates, channels, consensus, exposure, delivery, chaincodes, placement,
          monitoring)


def check(plan: Plan, doc: Document) -> Iterator[Issue]:
    """Run every semantic rule over the plan of a configuration that passed the schema."""
    ctx = RuleContext(plan, doc)
    for rule in _RULES:
        yield from rule.check(ctx)
