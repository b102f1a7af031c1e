"""One compile at a time per output directory; readers never create anything."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import LOCK


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``root`` (released when the process ends, even by a crash).

    Raises:
        EnvironmentProblem: another fabgitops process holds the lock, or it cannot be created.
    """
    path = root / LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot create the lock {path}: {exc.strerror}") from None
    with _flock(fd, fcntl.LOCK_EX, path):
        yield


@contextmanager
def reading(root: Path) -> Iterator[None]:
    """Hold a shared lock on ``root`` while reading it, if a writer ever created the lock file.

    A read-only command must not create the lock (a fresh clone has none: git ignores it); with
    no lock file there is no writer to wait for.

    Raises:
        EnvironmentProblem: a writer holds the lock.
    """
    path = root / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        yield
        return
    except OSError as exc:
        raise EnvironmentProblem(f"cannot open the lock {path}: {exc.strerror}") from None
    with _flock(fd, fcntl.LOCK_SH, path):
        yield


@contextmanager
def _flock(fd: int, operation: int, path: Path) -> Iterator[None]:
    try:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            raise EnvironmentProblem(f"another fabgitops run holds {path}; wait for it to "
                                     "finish") from None
        yield
    finally:
        os.close(fd)
