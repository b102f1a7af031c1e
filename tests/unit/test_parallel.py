"""fork_map: the same results as a loop, or None (and the caller loops) whenever it cannot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fabgitops import parallel
from fabgitops.parallel import fork_map


def square_with_pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})


@pytest.mark.usefixtures("two_cores")
def test_results_come_back_in_order_from_other_processes() -> None:
    results = fork_map(square_with_pid, [1, 2, 3, 4])
    assert results is not None
    assert [value for value, _ in results] == [1, 4, 9, 16]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 4  # one child per item but the last


@pytest.mark.usefixtures("two_cores")
def test_a_failing_worker_means_compute_it_serially() -> None:
    def failing(item: int) -> int:
        if item == 1 and os.getpid() != parent:
            raise RuntimeError("a worker's share failed")
        return item

    parent = os.getpid()
    assert fork_map(failing, [1, 2]) is None


@pytest.mark.usefixtures("two_cores")
def test_a_result_that_does_not_pickle_means_compute_it_serially() -> None:
    assert fork_map(lambda item: (lambda: item), [1, 2]) is None


@pytest.mark.usefixtures("two_cores")
def test_an_error_in_the_parents_share_means_compute_it_serially(tmp_path: Path) -> None:
    def failing_here(item: int) -> int:
        if os.getpid() == parent:
            raise ValueError("the last item is computed here")
        (tmp_path / str(item)).write_text("done")
        return item

    parent = os.getpid()
    # Serially, an earlier item's error would come first: the caller recomputes and raises.
    assert fork_map(failing_here, [1, 2, 3]) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1", "2"]  # the workers finished


def test_one_core_or_little_work_is_not_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert parallel.workers(100, 8) == 1
    assert fork_map(square_with_pid, [1, 2]) is None
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert parallel.workers(100, 8) == 4
    assert parallel.workers(20, 8) == 2
    assert parallel.workers(7, 8) == 1
    assert fork_map(square_with_pid, [1]) is None


@pytest.mark.usefixtures("two_cores")
def test_rendering_split_over_cores_renders_the_same_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fabgitops.deliver import Mode
    from fabgitops.render import stage
    from tests.e2e.support import article_config, compile_network, environment
    from tests.splits import record_splits

    config = article_config(tmp_path / "net")
    env = environment(tmp_path / "h")
    compile_network(config, env)  # a recompile: its secrets are still encrypted, with openers
    serial = compile_network(config, env, Mode.DRY_RUN)
    splits = record_splits(monkeypatch, "fabgitops.render.stage")
    monkeypatch.setattr(stage, "ORGS_PER_WORKER", 1)
    split = compile_network(config, env, Mode.DRY_RUN)
    assert splits == [2]  # the org overlays were rendered in two processes
    assert split.compiled.tree == serial.compiled.tree
    assert not split.compiled.changes
