"""Pure work split over the machine's cores: forked workers, results pickled back.

The compile stages are pure functions of values already in memory, so a forked worker needs
nothing sent to it: it inherits the inputs, computes its share and sends back only the result.
Nothing here is required for correctness. :func:`fork_map` answers None whenever it cannot run
in parallel (no ``os.fork``, one core, too little work) or any share fails (it raised, here or
in a worker, or its result does not pickle), and the caller then computes serially, which
gives the same result or raises the error one process meets first.
"""

from __future__ import annotations

import os
import pickle
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
    work was not (or could not) be done in parallel: the caller computes it serially.

    Results come back through pipes, never files: a share may hold decrypted keys.
    """
    if len(items) < 2 or workers(len(items), least) < 2:
        return None
    children = [_fork(function, item) for item in items[:-1]]
    try:
        last: list[Result] = [function(items[-1])]
    except Exception:
        # Computed serially, the first item's error comes first: let the caller raise it.
        last = []
    finally:
        # Drain every pipe before reaping: a child blocks writing a result larger than the
        # pipe's buffer until it is read.
        received = [_read_all(reader) for _, reader in children]
        statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid, _ in children]
    if any(statuses) or not last:
        return None
    return [*(pickle.loads(data) for data in received), *last]


def _fork(function: Callable[[Item], Result], item: Item) -> tuple[int, int]:
    """Start a child computing ``function(item)``; its pid and the pipe to read it from."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writer)
        return pid, reader
    code = 1
    try:  # the child: compute, send the result, leave without the parent's cleanup
        os.close(reader)
        result = function(item)
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _read_all(reader: int) -> bytes:
    with os.fdopen(reader, "rb") as pipe:
        return pipe.read()
