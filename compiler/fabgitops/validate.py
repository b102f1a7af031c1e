"""The validate stage: a parsed document becomes a Plan, or every problem is reported.

Passes, each reporting everything it finds: the JSON Schema for shape (types, unknown keys,
limits), then the pydantic model; then the plan is built (reporting what cannot be expanded)
and the semantic rules of ``rules`` check it. Shape errors stop the run before the plan, which
assumes a well-formed document.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

import jsonschema
import pydantic
from jsonschema.exceptions import ValidationError

from fabgitops import rules
from fabgitops.errors import ConfigInvalid, Issue, Severity
from fabgitops.model import (
    DURATION_PATTERN,
    QUANTITY_PATTERN,
    SIZE_PATTERN,
    ClusterConfig,
    build_validators,
)
from fabgitops.plan import Plan, build
from fabgitops.schema import shipped_schema
from fabgitops.yamlio import Document

_PATTERN_HINTS = {
    SIZE_PATTERN: "a size such as '99 MB' or '512 KB' (or a number of bytes)",
    DURATION_PATTERN: "a Go duration such as '2s', '500ms' or '1m30s'",
    QUANTITY_PATTERN: "a Kubernetes quantity such as '500m', '2', '512Mi' or '10Gi'",
}
_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def validate(doc: Document) -> tuple[Plan, tuple[Issue, ...]]:
    """Validate a parsed cluster-config and build its plan.

    Returns:
        The plan and the configuration's warnings.

    Raises:
        ConfigInvalid: at least one error; it carries every error and warning found.
    """
    shape = sorted(_schema_issues(doc))
    if shape:
        raise ConfigInvalid(shape)
    build_validators()
    try:
        config = ClusterConfig.model_validate_json(json.dumps(doc.data))
    except pydantic.ValidationError as exc:
        raise ConfigInvalid(sorted(_pydantic_issues(doc, exc))) from None
    plan, expanding = build(config, doc)
    found = sorted({*expanding, *rules.check(plan, doc)})
    if any(i.severity is Severity.ERROR for i in found):
        raise ConfigInvalid(found)
    return plan, tuple(found)


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(shipped_schema())


def _schema_issues(doc: Document) -> Iterable[Issue]:
    if not isinstance(doc.data, dict):
        yield doc.issue((), f"expected a mapping of sections (OrdererOrgs, PeerOrgs, ...), "
                            f"got {_describe(doc.data)}")
        return
    for error in _validator().iter_errors(doc.data):
        yield from _explain(doc, error)


def _explain(doc: Document, error: ValidationError) -> Iterable[Issue]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema: Any = error.schema
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind == "anyOf":
        yield from _explain_any_of(doc, error)
    elif kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(instance) - set(allowed)):
            yield doc.issue((*path, key), _unknown_key(key, allowed))
    elif kind == "required":
        missing = [k for k in value if k not in instance]
        for key in missing:
            yield doc.issue(path, f"missing required key {key!r}")
    else:
        yield doc.issue(path, _message(error))


def _explain_any_of(doc: Document, error: ValidationError) -> Iterable[Issue]:
    """Report the branch the user meant: the one whose type matches the value.

    For ``X | None`` that is X (not "is not null"); for ``int | size string`` with a string,
    the size pattern.
    """
    branches: dict[str | int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.schema_path[0] if sub.schema_path else 0, []).append(sub)
    depth = len(error.absolute_path)

    def wrong_type(sub: ValidationError) -> bool:
        return sub.validator == "type" and len(sub.absolute_path) == depth

    matching = [subs for subs in branches.values() if not any(wrong_type(s) for s in subs)]
    if len(matching) == 1:
        for sub in matching[0]:
            yield from _explain(doc, sub)
        return
    expected = [
        _JSON_TYPES.get(t, t)
        for subs in branches.values() for s in subs if wrong_type(s)
        for t in _as_list(s.validator_value) if t != "null"
    ]
    path = tuple(error.absolute_path)
    if not matching and expected:
        got = _describe(error.instance)
        yield doc.issue(path, f"expected {' or '.join(dict.fromkeys(expected))}, got {got}")
        return
    yield doc.issue(path, _message(error))


def _message(error: ValidationError) -> str:
    kind = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    if kind == "type":
        expected = " or ".join(_JSON_TYPES.get(t, t) for t in _as_list(value))
        return f"expected {expected}, got {_describe(instance)}"
    if kind == "enum":
        return f"{instance!r} is not one of: {', '.join(str(v) for v in value)}"
    if kind == "pattern":
        hint = _PATTERN_HINTS.get(value, f"text matching {value}")
        return f"{instance!r} is not {hint}"
    if kind == "maximum":
        return f"{instance} is more than the limit of {value} (a typo?)"
    if kind == "minimum":
        return f"{instance} is less than the minimum of {value}"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minItems":
        return f"must list at least {value} item(s)"
    if kind == "maxItems":
        return f"lists {len(instance)} items, more than the limit of {value}"
    if kind == "anyOf":
        return f"{_describe(instance)} is not an accepted value here"
    return error.message


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    lowered = {k.lower(): k for k in allowed}
    hint = close[0] if close else lowered.get(key.lower())
    if hint:
        return f"unknown key {key!r}; did you mean {hint!r}?"
    shown = ", ".join(allowed) if allowed else "none"
    return f"unknown key {key!r}; known keys here: {shown}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value!r}"
    return f"{type(value).__name__} {value!r}"


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _pydantic_issues(doc: Document, exc: pydantic.ValidationError) -> Iterable[Issue]:
    """Map model errors (rare once the schema passed) to located issues."""
    for err in exc.errors(include_url=False):
        path = tuple(err["loc"])
        yield doc.issue(path, err["msg"], severity=Severity.ERROR)
