"""What every rule receives: the configuration, and a way to locate and report problems."""

from __future__ import annotations

from dataclasses import dataclass

from fabgitops.errors import Issue, Severity, format_path
from fabgitops.model import ClusterConfig
from fabgitops.yamlio import Document, Path


@dataclass(frozen=True)
class Context:
    """A configuration with the document it was read from."""

    config: ClusterConfig
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
