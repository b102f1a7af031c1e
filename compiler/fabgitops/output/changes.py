"""What a compile would change in the output directory: a pure comparison of two trees."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from fabgitops.layout import MANIFEST
from fabgitops.tree import FileTree, ReadOnlyTree, is_generated


class Action(StrEnum):
    """What happens to one file."""

    ADD = "add"
    CHANGE = "change"
    REMOVE = "remove"


@dataclass(frozen=True)
class Change:
    """One file's change, with its old and new content (empty when absent)."""

    path: str
    action: Action
    old: bytes = b""
    new: bytes = b""


@dataclass(frozen=True)
class Changeset:
    """Every file change of a compile, sorted by path."""

    changes: tuple[Change, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def paths(self) -> tuple[str, ...]:
        """The paths that change."""
        return tuple(c.path for c in self.changes)

    def count(self, action: Action) -> int:
        """How many files get this action."""
        return sum(1 for c in self.changes if c.action is action)


def manifest_bytes(paths: Iterable[str]) -> bytes:
    """The manifest listing the generated paths (itself included)."""
    listed = sorted({*paths, MANIFEST})
    return (json.dumps({"generated": listed}, indent=2) + "\n").encode()


def generated_paths(current: ReadOnlyTree) -> set[str]:
    """Paths the previous compile generated: its manifest, plus any file with our header."""
    listed: set[str] = set()
    raw = current.get(MANIFEST)
    if raw is not None:
        try:
            listed = {str(p) for p in json.loads(raw).get("generated", [])}
        except (ValueError, AttributeError):
            listed = set()
    return listed | {p for p, content in current.items() if is_generated(content)}


def with_manifest(tree: ReadOnlyTree) -> FileTree:
    """The compiled tree plus its manifest."""
    out = dict(tree)
    out[MANIFEST] = manifest_bytes(tree)
    return out


def changeset(current: ReadOnlyTree, new: ReadOnlyTree) -> Changeset:
    """The changes that turn ``current`` into ``new``, removing only stale generated files.

    ``new`` must include the manifest (see ``with_manifest``). User files (not generated) are
    never removed, even when they sit inside a generated directory.
    """
    changes = []
    for path in sorted(new):
        old = current.get(path)
        if old is None:
            changes.append(Change(path, Action.ADD, new=new[path]))
        elif old != new[path]:
            changes.append(Change(path, Action.CHANGE, old, new[path]))
    for path in sorted(generated_paths(current) - set(new)):
        if path in current:
            changes.append(Change(path, Action.REMOVE, old=current[path]))
    return Changeset(tuple(sorted(changes, key=lambda c: c.path)))
