"""Same inputs, same bytes; adding a peer touches only that peer and its org's kustomization
(and, inherently, the gossip bootstrap list of the org's other peers)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from fabgitops.chaincode.stage import build_chaincodes
from fabgitops.render import render
from fabgitops.tree import FileTree
from tests.render.networks import NETWORKS
from tests.render.support import compile_network, output_tree


def test_rendering_twice_gives_identical_bytes() -> None:
    compiled = compile_network(NETWORKS["kafka"])
    again = render(compiled.plan, compiled.material, compiled.artifacts, user_paths=(),
                   chaincodes=build_chaincodes(compiled.plan, compiled.material, None))
    assert again.files == compiled.rendered.files
    assert again.secrets == compiled.rendered.secrets
    assert list(again.files) == sorted(again.files)


def _changes(before: FileTree, after: FileTree) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def test_adding_a_peer_changes_only_its_directory_and_its_org() -> None:
    data: dict[str, Any] = copy.deepcopy(NETWORKS["article"])
    first = compile_network(data)
    data["PeerOrgs"][0]["Template"]["Count"] = 3
    second = compile_network(data, previous=first)
    changed = _changes(output_tree(first.rendered), output_tree(second.rendered))
    added = {p for p in changed if p.startswith("overlays/org1/peer2/")}
    assert added >= {"overlays/org1/peer2/kustomization.yaml", "overlays/org1/peer2/keys.yaml",
                     "overlays/org1/peer2/join-job.yaml"}
    # The other peers' gossip bootstrap lists the new peer: inherent to "the other peers".
    assert changed - added == {"overlays/org1/kustomization.yaml",
                               "overlays/org1/peer0/statefulset-patch.yaml",
                               "overlays/org1/peer1/statefulset-patch.yaml"}
    assert b"peer2.org1:7051" in second.rendered.files[
        "overlays/org1/peer0/statefulset-patch.yaml"]


def test_a_changed_block_renames_the_join_jobs() -> None:
    compiled = compile_network(NETWORKS["article"])
    blocks = dict(compiled.artifacts.genesis_blocks)
    blocks["mychannel"] += b"\0"
    artifacts = dataclasses.replace(compiled.artifacts, genesis_blocks=blocks)
    again = render(compiled.plan, compiled.material, artifacts, user_paths=())

    def job_names(files: FileTree) -> set[str]:
        return {line for path, content in files.items() if path.endswith("join-job.yaml")
                for line in content.decode().splitlines() if "-join-" in line}

    before, after = job_names(compiled.rendered.files), job_names(again.files)
    assert len(before) == len(after) == 5 and not before & after
    assert all(len(line.split(": ")[1]) <= 63 for line in after)
