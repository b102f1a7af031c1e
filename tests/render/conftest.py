"""Each test network is compiled, written and built once per session (kubectl in parallel)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fabgitops.tree import FileTree
from tests.conftest import write_tree
from tests.render.networks import NETWORKS
from tests.render.support import (
    Compiled,
    build_overlays,
    compile_network,
    namespaces,
    output_tree,
)


@dataclass(frozen=True)
class Built:
    """A compiled network on disk, with the output of ``kubectl kustomize`` per overlay."""

    compiled: Compiled
    tree: FileTree
    root: Path
    objects: dict[str, list[dict[str, Any]]]
    """Built objects by namespace (overlay)."""


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Built]:
    """``built(name)``: the network ``NETWORKS[name]``, compiled and built (cached)."""
    cache: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in cache:
            compiled = compile_network(NETWORKS[name])
            tree = output_tree(compiled.rendered)
            root = tmp_path_factory.mktemp(name)
            write_tree(root, tree)
            objects = build_overlays(root, namespaces(compiled.plan))
            cache[name] = Built(compiled, tree, root, objects)
        return cache[name]

    return get
