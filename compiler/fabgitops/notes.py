"""Notes: what a compile did or warns about, as typed values for the command line to print.

A note's kind, not its wording, decides how it is shown: routine creations are counted (listed
with ``-v``), information is prefixed ``note:``, warnings ``warning:``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class NoteKind(StrEnum):
    """How a note is shown."""

    CREATED = "created"
    """A routine creation (a key, certificate or credential): counted unless verbose."""
    INFO = "info"
    WARNING = "warning"


@dataclass(frozen=True)
class Note:
    """One message for the user; ``text`` carries no kind prefix."""

    kind: NoteKind
    text: str

    @classmethod
    def created(cls, text: str) -> Note:
        """A routine creation."""
        return cls(NoteKind.CREATED, text)

    @classmethod
    def info(cls, text: str) -> Note:
        """Something the user should know."""
        return cls(NoteKind.INFO, text)

    @classmethod
    def warning(cls, text: str) -> Note:
        """Something the user should act on."""
        return cls(NoteKind.WARNING, text)
