"""What every rule receives: the plan, and the document to locate and report problems in."""

from __future__ import annotations

from dataclasses import dataclass

from fabgitops.errors import Issue, Severity, format_path
from fabgitops.plan import Plan
from fabgitops.yamlio import Document, Path


@dataclass(frozen=True)
class RuleContext:
    """A plan with the document it was built from."""

    plan: Plan
    doc: Document

    def error(self, path: Path, message: str) -> Issue:
        """An error located at ``path``."""
        return self.doc.issue(path, message)

    def warning(self, path: Path, message: str) -> Issue:
        """A warning located at ``path``."""
        return self.doc.issue(path, message, severity=Severity.WARNING)

    def where(self, path: Path) -> str:
        """How a message names another place of the file: ``PeerOrgs[0].Name (line 12)``."""
        line, _ = self.doc.locate(path)
        return f"{format_path(path)} (line {line})"
