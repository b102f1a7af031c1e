"""Watching ``parallel.fork_map`` in a module under test: did the work really split?"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

from fabgitops.parallel import fork_map

T = TypeVar("T")
R = TypeVar("R")


def record_splits(monkeypatch: pytest.MonkeyPatch, module: str) -> list[int]:
    """Pretend to have two cores and record, for each ``fork_map`` call in ``module`` (a dotted
    name), how many processes computed it (0: it fell back to one)."""
    splits: list[int] = []

    def recording(function: Callable[[T], R], items: Sequence[T], *, least: int = 1
                  ) -> list[R] | None:
        result = fork_map(function, items, least=least)
        splits.append(len(result) if result is not None else 0)
        return result

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(f"{module}.fork_map", recording)
    return splits
