"""Pure work split over the machine's cores: forked workers, results pickled back.

The compile stages are pure functions of values already in memory, so a forked worker needs
nothing sent to it: it inherits the inputs, computes its share and sends back only the result.
Nothing here is required for correctness. :func:`fork_map` answers None whenever it cannot run
in parallel (no ``os.fork``, one core, too little work) or a worker fails for any reason (its
share raised, or its result does not pickle), and the caller then computes serially, which
gives the same result or raises the same error in the same order.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def workers(items: int, least: int) -> int:
    """How many processes to split ``items`` over, each with at least ``least`` items."""
    if not hasattr(os, "fork"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, items // max(least, 1)))


def fork_map(function: Callable[[Item], Result], items: Sequence[Item], *, least: int = 1
             ) -> list[Result] | None:
    """``[function(item) for item in items]``, one forked process per item beside this one.

    The last item is computed here while the workers compute the others. Returns None when the
    work was not (or could not be) done in parallel: the caller computes it serially.
    """
    if len(items) < 2 or workers(len(items), least) < 2:
        return None
    with tempfile.TemporaryDirectory(prefix="fabgitops-") as scratch:
        children = [(_fork(function, item, f"{scratch}/{i}"), f"{scratch}/{i}")
                    for i, item in enumerate(items[:-1])]
        try:
            last = function(items[-1])
        finally:
            statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid, _ in children]
        if any(statuses):
            return None
        results = []
        for _, path in children:
            with open(path, "rb") as handle:  # noqa: PTH123 - written by our own child
                results.append(pickle.load(handle))
        return [*results, last]


def _fork(function: Callable[[Item], Result], item: Item, path: str) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:  # the child: compute, write the result, leave without the parent's cleanup
        result = function(item)
        with open(path, "wb") as handle:  # noqa: PTH123
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)
