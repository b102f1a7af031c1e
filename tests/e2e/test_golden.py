"""The repository's overlays/ is the compiled output of examples/article, kept up to date.

Regenerate with ``pytest tests/e2e/test_golden.py --update-golden`` (the comparison is then
skipped: it would compare the files with themselves) and review the diff like code. The example
is compiled with the test-only deterministic key generator and clock, and sealed to
examples/article/sealed-secrets-cert.pem, whose private key was discarded: the reference
overlays build and validate, but their secrets decrypt nowhere.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from fabgitops.output.apply import read_tree
from tests.conftest import ARTICLE, REPO
from tests.e2e.support import compile_network, environment

GOLDEN = REPO / "overlays"
MAX_DIFF_LINES = 40


def compiled_overlays(tmp_path: Path) -> dict[str, bytes]:
    work = tmp_path / "repo"
    work.mkdir(parents=True)
    shutil.copy(ARTICLE, work / "cluster-config.yaml")
    shutil.copy(ARTICLE.parent / "sealed-secrets-cert.pem", work / "sealing-cert.pem")
    compile_network(work / "cluster-config.yaml", environment(tmp_path))
    return {p: c for p, c in read_tree(work).items() if p.startswith("overlays/")}


def test_overlays_are_up_to_date(tmp_path: Path, update_golden: bool) -> None:
    fresh = compiled_overlays(tmp_path)
    assert len(fresh) > 10
    if update_golden:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, content in fresh.items():
            (REPO / path).parent.mkdir(parents=True, exist_ok=True)
            (REPO / path).write_bytes(content)
        # Comparing the files just written with themselves would prove nothing.
        pytest.skip(f"rewrote {len(fresh)} golden files: review `git diff overlays/`, then run "
                    "the tests without --update-golden")
    committed = {p: c for p, c in read_tree(REPO).items() if p.startswith("overlays/")}
    assert sorted(committed) == sorted(fresh), "run pytest --update-golden"
    for path in sorted(fresh):
        if committed[path] != fresh[path]:
            diff = difflib.unified_diff(committed[path].decode().splitlines(),
                                        fresh[path].decode().splitlines(), path, path,
                                        lineterm="")
            shown = "\n".join(list(diff)[:MAX_DIFF_LINES])
            raise AssertionError(f"{path} is stale (pytest --update-golden):\n{shown}")


def test_compiling_is_reproducible(tmp_path: Path) -> None:
    assert compiled_overlays(tmp_path / "a") == compiled_overlays(tmp_path / "b")
