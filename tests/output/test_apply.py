"""Applying a changeset is all-or-nothing, even when the process dies at any point."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import JOURNAL
from fabgitops.output.apply import TMP_SUFFIX, apply, read_tree, recover, write_durably
from fabgitops.output.changes import changeset, with_manifest
from fabgitops.output.lock import locked
from fabgitops.tree import FileTree, generated_yaml

OLD = with_manifest({
    "overlays/org1/kustomization.yaml": generated_yaml("old: 1\n"),
    "overlays/org1/peer0/a.yaml": generated_yaml("a: old\n"),
    "channels/mychannel/genesis.block": b"\x0a\x02old",
    ".fabgitops/keystore/peerOrganizations/org1/ca/priv_sk.age": b"age-old",
})
NEW = with_manifest({
    "overlays/org1/kustomization.yaml": generated_yaml("new: 1\n"),
    "overlays/org1/peer0/a.yaml": generated_yaml("a: new\n"),
    "overlays/org1/peer2/a.yaml": generated_yaml("a: peer2\n"),
    ".fabgitops/keystore/peerOrganizations/org1/ca/priv_sk.age": b"age-old",
    ".fabgitops/keystore/peerOrganizations/org1/peers/peer2/msp/keystore/priv_sk.age": b"k2",
})
USER = {"overlays/org1/patches/kustomization.yaml": b"kind: Component\n"}


def materialize(root: Path, tree: FileTree) -> None:
    for path, content in tree.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)


def test_apply_turns_old_into_new_and_keeps_user_files(tmp_path: Path) -> None:
    materialize(tmp_path, {**OLD, **USER})
    apply(changeset(read_tree(tmp_path), NEW), tmp_path)
    assert read_tree(tmp_path) == {**NEW, **USER}
    assert not (tmp_path / "channels").exists()  # emptied directories are pruned
    assert not list(tmp_path.rglob(f"*{TMP_SUFFIX}"))


KILLER = """
import os, signal, sys
from pathlib import Path
from fabgitops.output.apply import apply, read_tree
from fabgitops.output.changes import changeset
from tests.output.test_apply import NEW
root, stop = Path(sys.argv[1]), int(sys.argv[2])
steps = []
def step(name):
    steps.append(name)
    if len(steps) == stop:
        os.kill(os.getpid(), signal.SIGKILL)
apply(changeset(read_tree(root), NEW), root, step=step)
print(len(steps))
"""


def run_killer(root: Path, stop: int) -> subprocess.CompletedProcess[str]:
    repo = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", KILLER, str(root), str(stop)], cwd=repo,
                          capture_output=True, text=True, check=False)


def test_a_kill_at_any_step_leaves_old_or_new(tmp_path: Path) -> None:
    total = int(run_killer(_fresh(tmp_path / "count"), 0).stdout)
    assert total >= 5  # staged, journal, and one step per rename
    for stop in range(1, total + 1):
        root = _fresh(tmp_path / f"kill{stop}")
        result = run_killer(root, stop)
        assert result.returncode == -9, result.stderr
        journaled = (root / JOURNAL).exists()
        # Before the journal (the commit point) the visible tree is still entirely the old one.
        if not journaled:
            assert read_tree(root) == {**OLD, **USER}
        recover(root)
        expected = NEW if journaled else OLD
        assert read_tree(root) == {**expected, **USER}, f"killed at step {stop}"
        assert not list(root.rglob(f"*{TMP_SUFFIX}"))
        # A rerun completes.
        apply(changeset(read_tree(root), NEW), root)
        assert read_tree(root) == {**NEW, **USER}


def _fresh(root: Path) -> Path:
    root.mkdir(parents=True)
    materialize(root, {**OLD, **USER})
    return root


def test_recover_reports_what_it_did(tmp_path: Path) -> None:
    materialize(tmp_path, OLD)
    assert recover(tmp_path) is None
    (tmp_path / ("overlays/org1/x.yaml" + TMP_SUFFIX)).write_bytes(b"partial")
    assert recover(tmp_path) == "removed the files of an interrupted write"
    (tmp_path / JOURNAL).write_bytes(b"{broken")
    with pytest.raises(EnvironmentProblem, match="damaged"):
        recover(tmp_path)


def test_lock_excludes_a_second_run(tmp_path: Path) -> None:
    with (
        locked(tmp_path),
        pytest.raises(EnvironmentProblem, match="another fabgitops run"),
        locked(tmp_path),
    ):
        pass
    with locked(tmp_path):  # released: a later run gets it
        pass


def test_write_durably(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "key.age"
    write_durably(target, b"one", mode=0o600)
    write_durably(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["key.age"]


def test_read_tree_walks_like_os_walk_and_skips_what_is_not_output(tmp_path: Path) -> None:
    materialize(tmp_path, {
        "overlays/b/z.yaml": b"z", "overlays/b/a.yaml": b"a", "overlays/a/c/d.yaml": b"d",
        "overlays/top.yaml": b"t", "overlays/.git/HEAD": b"x", "overlays/a/.git/config": b"x",
        "overlays/a/half.yaml" + TMP_SUFFIX: b"partial", ".fabgitops/lock": b"",
        JOURNAL: b"{}", ".fabgitops/state.json": b"{}", ".sops.yaml": b"s",
        "README.md": b"the user's", "channels/ch/genesis.block": b"g",
        "channels/ch/big.block": bytes(range(256)) * 1000, "overlays/empty.yaml": b"",
    })
    (tmp_path / "overlays/link").symlink_to(tmp_path / "overlays/b")  # a directory: not entered
    (tmp_path / "overlays/b/file-link.yaml").symlink_to(tmp_path / "overlays/top.yaml")
    tree = read_tree(tmp_path)
    # A directory's files (sorted), then its subdirectories (sorted); roots in OWNED_ROOTS order.
    assert list(tree) == [
        "overlays/empty.yaml", "overlays/top.yaml", "overlays/a/c/d.yaml", "overlays/b/a.yaml",
        "overlays/b/file-link.yaml", "overlays/b/z.yaml", "channels/ch/big.block",
        "channels/ch/genesis.block", ".fabgitops/state.json", ".sops.yaml",
    ]
    assert tree["overlays/b/file-link.yaml"] == b"t" and tree["overlays/empty.yaml"] == b""
    assert tree["channels/ch/big.block"] == bytes(range(256)) * 1000  # read in several chunks
    assert read_tree(tmp_path, roots=(".fabgitops/state.json", "monitoring/")) == \
        {".fabgitops/state.json": b"{}"}


def test_recover_removes_every_temporary_file_and_nothing_else(tmp_path: Path) -> None:
    materialize(tmp_path, OLD)
    stray = ["overlays/org1/peer0/deep.yaml", ".fabgitops/keystore/k.age", ".sops.yaml"]
    for path in stray:
        (tmp_path / (path + TMP_SUFFIX)).write_bytes(b"partial")
    (tmp_path / ("README.md" + TMP_SUFFIX)).write_bytes(b"the user's, outside the owned roots")
    assert recover(tmp_path) == "removed the files of an interrupted write"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob(f"*{TMP_SUFFIX}")) == \
        ["README.md" + TMP_SUFFIX]
    assert read_tree(tmp_path) == OLD
