"""Staging finished parts of the output while the compiler goes on computing.

A first compile of a large network writes ten thousand files and more, and creating a file costs
the kernel about as much as computing it costs Python. The parts of the output tree are final
one after the other (the keystore after the crypto stage, the overlays after rendering, the
sealed secrets after sealing), so a writing compile hands each finished part to a forked child
that writes its changed files under the temporary names of ``output.apply`` while the parent
computes the next part: the disk and the second core work in parallel with the compiler.

Staging commits nothing: ``apply`` still writes the journal and renames, and skips the files
staged here with the content it is about to write. A staged file that the run does not rename
is a temporary file, which ``read_tree`` ignores and ``recover`` removes; :meth:`Staging.discard`
removes them at once when the run fails. Without ``os.fork`` (or for a small part, where a
process costs more than it saves) nothing is staged early and ``apply`` writes everything.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from fabgitops.errors import EnvironmentProblem
from fabgitops.output.apply import TMP_SUFFIX, stage_files
from fabgitops.tree import ReadOnlyTree

MIN_FILES = 500
"""Parts with fewer changed files are left to ``apply``: a fork costs milliseconds."""


class Staging:
    """The parts of one writing compile that are being (or were) staged in the background."""

    def __init__(self, root: Path, current: ReadOnlyTree) -> None:
        self._root = root
        self._current = current
        self._staged: dict[str, bytes] = {}
        self._created: set[str] = set()
        """Directories the children may create (absent when offered): discard removes them."""
        self._children: list[int] = []

    def offer(self, part: ReadOnlyTree) -> None:
        """Start writing the files of ``part`` that differ from the output directory."""
        changed = {p: c for p, c in part.items() if self._current.get(p) != c}
        if len(changed) < MIN_FILES or not hasattr(os, "fork"):
            return
        self._created |= self._missing_directories(changed)
        pid = os.fork()
        if pid == 0:  # the child: write, then leave without running the parent's cleanup
            code = 1
            try:
                stage_files(self._root, changed.items())
                code = 0
            finally:
                os._exit(code)
        self._children.append(pid)
        self._staged.update(changed)

    def collect(self) -> Mapping[str, bytes]:
        """Wait for every child; the staged files and their content.

        Raises:
            EnvironmentProblem: a child could not write (its error is the file system's; the
                parent's own write would have met it too).
        """
        failed = self._wait()
        if failed:
            self.discard()
            raise EnvironmentProblem(f"cannot write the output directory {self._root}: "
                                     f"{failed} background writer(s) failed")
        return self._staged

    def discard(self) -> None:
        """After a failed run: wait for every child, then remove what they staged."""
        self._wait()
        for path in self._staged:
            with contextlib.suppress(OSError):  # best effort: recover() removes any left over
                Path(f"{self._root}/{path}{TMP_SUFFIX}").unlink()
        for directory in sorted(self._created, key=len, reverse=True):  # deepest first
            with contextlib.suppress(OSError):  # not empty: something else lives there
                Path(self._root, directory).rmdir()
        self._staged = {}
        self._created = set()

    def _missing_directories(self, paths: Iterable[str]) -> set[str]:
        """The directories (relative to the root) above ``paths`` that do not exist yet."""
        missing: set[str] = set()
        seen: set[str] = set()
        for path in paths:
            directory = path.rpartition("/")[0]
            while directory and directory not in seen:
                seen.add(directory)
                if Path(self._root, directory).is_dir():
                    break
                missing.add(directory)
                directory = directory.rpartition("/")[0]
        return missing

    def _wait(self) -> int:
        failed = 0
        for pid in self._children:
            _, status = os.waitpid(pid, 0)
            failed += os.waitstatus_to_exitcode(status) != 0
        self._children = []
        return failed
