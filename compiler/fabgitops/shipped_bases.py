"""The hand-written Kustomize bases shipped with fabgitops, as a file tree.

In a wheel they are the package data ``fabgitops.bases``; in a source checkout (editable
install, tests) they are the repository's ``bases/`` directory, the one reviewers read.
The sources carry no generated-file header, since people write them; each copy in an output
repository gets one, because there the compiler owns (rewrites and prunes) it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from fabgitops.layout import BASES_DIR
from fabgitops.tree import GENERATED_HEADER, FileTree


def _root() -> Traversable:
    try:
        return resources.files("fabgitops.bases")
    except ModuleNotFoundError:
        # Editable installs put compiler/ on sys.path, so the package-dir mapping of the wheel
        # does not apply: read the checkout's bases/ directly.
        return Path(__file__).resolve().parents[2] / BASES_DIR


def _walk(node: Traversable, prefix: str) -> FileTree:
    tree: FileTree = {}
    for child in node.iterdir():
        path = f"{prefix}/{child.name}"
        if child.is_dir():
            tree.update(_walk(child, path))
        elif child.name.endswith((".yaml", ".sh")):
            tree[path] = GENERATED_HEADER.encode() + child.read_bytes()
    return tree


@cache
def bases_tree() -> FileTree:
    """Every base file keyed by its output path (``bases/peer/kustomization.yaml``, ...)."""
    return dict(sorted(_walk(_root(), BASES_DIR).items()))


def job_scripts() -> FileTree:
    """The files of ``bases/jobs`` as shipped: the Jobs' scripts and the generator that makes
    them a ConfigMap (a Job's name hashes them all)."""
    return {p: c for p, c in bases_tree().items() if p.startswith(f"{BASES_DIR}/jobs/")}
