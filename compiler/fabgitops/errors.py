"""The error tree and exit codes: only ``cli.py`` turns these into a process status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class ExitCode(IntEnum):
    """Process exit statuses of every ``fabgitops`` command (the CLI contract in docs/design.md)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INVALID_CONFIG = 3
    OUT_OF_DATE = 4
    ENVIRONMENT = 5
    INTERRUPTED = 130


class Severity(StrEnum):
    """How bad a configuration problem is: errors stop the run, warnings are only printed."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in the user's configuration, located in the source file.

    ``path`` is the YAML path as a tuple of keys and list indexes; ``line`` and ``column`` are
    1-based, or 0 when the problem has no position (a missing file, say).
    """

    file: str
    line: int
    column: int
    path: tuple[str | int, ...]
    message: str
    severity: Severity = Severity.ERROR

    @property
    def dotted_path(self) -> str:
        """The path as users write it: ``PeerOrgs[0].Template.Count``."""
        return format_path(self.path)


def format_path(path: Sequence[str | int]) -> str:
    """Render a YAML path such as ``("PeerOrgs", 0, "Name")`` as ``PeerOrgs[0].Name``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "<root>"


class FabgitopsError(Exception):
    """Base of every error a user can cause or meet; carries the exit status to use."""

    exit_code: ExitCode = ExitCode.INTERNAL


class ConfigInvalid(FabgitopsError):
    """The configuration has at least one error; ``issues`` lists every problem found."""

    exit_code = ExitCode.INVALID_CONFIG

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        errors = sum(1 for i in self.issues if i.severity is Severity.ERROR)
        super().__init__(f"{errors} error(s) in the configuration")


class EnvironmentProblem(FabgitopsError):
    """Something outside the configuration is missing or broken: a key, a certificate, git."""

    exit_code = ExitCode.ENVIRONMENT


class OutOfDate(FabgitopsError):
    """``compile --check`` found files that a compile would change."""

    exit_code = ExitCode.OUT_OF_DATE

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = tuple(paths)
        super().__init__(f"{len(self.paths)} generated file(s) are out of date")
