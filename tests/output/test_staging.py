"""Background staging: forked writers stage finished parts; apply renames them, or they vanish."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import LOCK
from fabgitops.output import staging
from fabgitops.output.apply import TMP_SUFFIX, apply, read_tree
from fabgitops.output.changes import changeset, with_manifest
from fabgitops.output.staging import Staging
from fabgitops.tree import generated_yaml
from tests.e2e.support import article_config, compile_network, environment

PART = {f"overlays/org1/peer{i}/a.yaml": generated_yaml(f"a: {i}\n")
        for i in range(staging.MIN_FILES + 1)}


def temporaries(root: Path) -> list[Path]:
    return sorted(root.rglob(f"*{TMP_SUFFIX}"))


def count_offers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Stage every part in the background, however small; record each part's size."""
    monkeypatch.setattr(staging, "MIN_FILES", 1)
    offered: list[int] = []
    original = Staging.offer

    def counting(self: Staging, part: dict[str, bytes]) -> None:
        offered.append(len(part))
        original(self, part)

    monkeypatch.setattr(Staging, "offer", counting)
    return offered


def test_a_large_part_is_staged_in_the_background_and_apply_renames_it(tmp_path: Path) -> None:
    (tmp_path / "overlays" / "org1" / "peer0").mkdir(parents=True)
    (tmp_path / "overlays/org1/peer0/a.yaml").write_bytes(PART["overlays/org1/peer0/a.yaml"])
    background = Staging(tmp_path, read_tree(tmp_path))
    background.offer(PART)
    staged = background.collect()
    # Only what differs from the output directory is staged.
    assert set(staged) == set(PART) - {"overlays/org1/peer0/a.yaml"}
    assert len(temporaries(tmp_path)) == staging.MIN_FILES
    assert (tmp_path / f"overlays/org1/peer7/a.yaml{TMP_SUFFIX}").read_bytes() == PART[
        "overlays/org1/peer7/a.yaml"]
    new = with_manifest(PART)
    apply(changeset(read_tree(tmp_path), new), tmp_path, staged=staged)
    assert read_tree(tmp_path) == new
    assert temporaries(tmp_path) == []


def test_apply_writes_what_was_staged_with_other_content(tmp_path: Path) -> None:
    background = Staging(tmp_path, {})
    background.offer(PART)
    staged = dict(background.collect())
    new = with_manifest({**PART, "overlays/org1/peer3/a.yaml": b"later\n"})
    apply(changeset({}, new), tmp_path, staged=staged)
    assert read_tree(tmp_path) == new


def test_a_small_part_is_left_to_apply(tmp_path: Path) -> None:
    background = Staging(tmp_path, {})
    background.offer(dict(list(PART.items())[: staging.MIN_FILES - 1]))
    assert background.collect() == {}
    assert temporaries(tmp_path) == []


def test_discard_removes_everything_staged(tmp_path: Path) -> None:
    background = Staging(tmp_path, {})
    background.offer(PART)
    background.discard()
    assert temporaries(tmp_path) == []
    assert background.collect() == {}


def test_a_failing_writer_is_an_environment_problem_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "overlays").write_bytes(b"a file where a directory must go")
    background = Staging(tmp_path, {})
    background.offer(PART)
    with pytest.raises(EnvironmentProblem, match="background writer"):
        background.collect()
    assert temporaries(tmp_path) == []


def test_a_compile_staged_in_the_background_writes_the_same_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = compile_network(article_config(tmp_path / "plain"), environment(tmp_path / "h1"))
    offered = count_offers(monkeypatch)
    early = compile_network(article_config(tmp_path / "early"), environment(tmp_path / "h2"))
    assert len(offered) == 3 and all(offered)  # keystore, overlays, sealed secrets
    assert early.written and plain.written
    keystore = ".fabgitops/keystore/"
    # age ciphertexts differ run to run; everything else is byte-identical.
    assert {p: c for p, c in read_tree(tmp_path / "early").items() if not p.startswith(keystore)
            and "manifest" not in p} == {
        p: c for p, c in read_tree(tmp_path / "plain").items() if not p.startswith(keystore)
        and "manifest" not in p}
    assert set(read_tree(tmp_path / "early")) == set(read_tree(tmp_path / "plain"))
    assert temporaries(tmp_path / "early") == []


def test_a_compile_that_fails_after_staging_leaves_no_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fabgitops import pipeline

    def broken(*_: object) -> None:
        raise EnvironmentProblem("the sealing certificate vanished")

    offered = count_offers(monkeypatch)
    monkeypatch.setattr(pipeline, "_seal", broken)
    config = article_config(tmp_path / "net")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(EnvironmentProblem, match="vanished"):
        compile_network(config, environment(tmp_path / "home"))
    assert len(offered) == 2 and all(offered)  # the keystore and the overlays were staged
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                   if not p.is_relative_to(tmp_path / "home"))
    assert temporaries(tmp_path) == []
    # Only what the lock leaves behind (as any writing compile does, failed or not).
    lock = Path("net") / LOCK
    assert [p for p in after if p not in (lock, lock.parent)] == before
