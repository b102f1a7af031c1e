"""Printing configuration problems: plain text, JSON, or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum

from fabgitops.errors import Issue, Severity


class Format(StrEnum):
    """Output formats of ``fabgitops validate``."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


def render(issues: Sequence[Issue], fmt: Format) -> str:
    """Every issue in the chosen format, one per line (JSON: one document)."""
    if fmt is Format.JSON:
        return _json(issues)
    line = _github if fmt is Format.GITHUB else _text
    return "".join(line(issue) + "\n" for issue in issues)


def _text(issue: Issue) -> str:
    kind = "warning: " if issue.severity is Severity.WARNING else ""
    if not issue.file:
        return f"error: {kind}{issue.message}"
    if issue.line == 0:
        return f"{issue.file}: {kind}{issue.message}"
    return f"{issue.file}:{issue.line}:{issue.column}: {issue.dotted_path}: {kind}{issue.message}"


def _escape_data(text: str) -> str:
    # GitHub's workflow command syntax: data escapes %, CR and LF.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(issue: Issue) -> str:
    command = "warning" if issue.severity is Severity.WARNING else "error"
    props = ",".join((
        f"file={_escape_property(issue.file)}",
        f"line={issue.line}",
        f"col={issue.column}",
        f"title={_escape_property('fabgitops ' + issue.dotted_path)}",
    ))
    return f"::{command} {props}::{_escape_data(issue.dotted_path + ': ' + issue.message)}"


def _json(issues: Sequence[Issue]) -> str:
    def entry(issue: Issue) -> dict[str, object]:
        return {
            "file": issue.file,
            "line": issue.line,
            "column": issue.column,
            "path": issue.dotted_path,
            "message": issue.message,
        }

    errors = [entry(i) for i in issues if i.severity is Severity.ERROR]
    warnings = [entry(i) for i in issues if i.severity is Severity.WARNING]
    body = {"valid": not errors, "errors": errors, "warnings": warnings}
    return json.dumps(body, indent=2) + "\n"
