"""Changesets: what is added, changed and removed; user files are never removed."""

from __future__ import annotations

from fabgitops.layout import MANIFEST
from fabgitops.output.changes import Action, changeset, with_manifest
from fabgitops.tree import generated_yaml

GEN_A = generated_yaml("a: 1\n")
GEN_B = generated_yaml("b: 1\n")


def actions(cs: object) -> list[tuple[str, str]]:
    return [(c.path, c.action.value) for c in cs.changes]  # type: ignore[attr-defined]


def test_first_compile_adds_everything_with_a_manifest() -> None:
    new = with_manifest({"overlays/x/a.yaml": GEN_A, ".fabgitops/keystore/k.age": b"\x00bin"})
    cs = changeset({}, new)
    assert actions(cs) == [(".fabgitops/keystore/k.age", "add"), (MANIFEST, "add"),
                           ("overlays/x/a.yaml", "add")]
    assert cs.count(Action.ADD) == 3


def test_same_tree_is_no_change() -> None:
    tree = with_manifest({"overlays/x/a.yaml": GEN_A})
    assert not changeset(tree, tree)


def test_stale_generated_files_go_user_files_stay() -> None:
    old = with_manifest({"overlays/x/a.yaml": GEN_A, "channels/c/genesis.block": b"\x0a\x01"})
    old["overlays/x/patches/kustomization.yaml"] = b"kind: Component\n"
    old["overlays/x/notes.txt"] = b"mine\n"
    new = with_manifest({"overlays/x/a.yaml": GEN_B})
    assert actions(changeset(old, new)) == [
        (MANIFEST, "change"), ("channels/c/genesis.block", "remove"),
        ("overlays/x/a.yaml", "change")]


def test_without_a_manifest_the_header_marks_generated_files() -> None:
    old = {"overlays/x/a.yaml": GEN_A, "overlays/x/user.yaml": b"kind: Thing\n"}
    new = with_manifest({})
    assert ("overlays/x/a.yaml", "remove") in actions(changeset(old, new))
    assert ("overlays/x/user.yaml", "remove") not in actions(changeset(old, new))


def test_damaged_manifest_is_ignored() -> None:
    old = {MANIFEST: b"{not json", "overlays/x/a.yaml": GEN_A}
    assert ("overlays/x/a.yaml", "remove") in actions(changeset(old, with_manifest({})))
