"""The whole compile: stable output, minimal changes, no secret in clear, kubectl builds it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from fabgitops import yamlio
from fabgitops.deliver import Mode
from fabgitops.gitops.argocd import CLUSTER_KINDS, NAMESPACED_KINDS
from fabgitops.output.apply import read_tree
from tests.conftest import kustomize, tool
from tests.e2e.support import article_config, compile_network, environment
from tests.render.networks import NETWORKS

PEER2 = ("\n  - Name: Org3\n    Domain: org3\n    Template:\n      Count: 1\n")


def test_compile_twice_changes_nothing(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    first = compile_network(config, environment(tmp_path))
    assert first.written and first.compiled.changes
    tree = read_tree(config.parent)
    second = compile_network(config, environment(tmp_path))
    assert not second.compiled.changes
    assert read_tree(config.parent) == tree


def test_adding_a_peer_touches_only_that_peer_and_its_org(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    compile_network(config, environment(tmp_path))
    text = config.read_text().replace("  - Name: Org2\n    Domain: org2\n    Template:\n"
                                      "      Count: 2", "  - Name: Org2\n    Domain: org2\n"
                                      "    Template:\n      Count: 3")
    config.write_text(text)
    outcome = compile_network(config, environment(tmp_path))
    changed = set(outcome.compiled.changes.paths)
    assert outcome.compiled.headline == ["org2 +peer2"]
    unexpected = {p for p in changed if not (
        "peer2.org2" in p or p.startswith("overlays/org2/peer2/")
        or p in {"overlays/org2/kustomization.yaml", "overlays/org2/pod-disruption-budgets.yaml",
                 ".fabgitops/manifest.json", ".fabgitops/state.json",
                 ".fabgitops/seal-index.json", ".fabgitops/keystore/credentials/org2/peer2/"
                 "couchdb-password.age"}
        # Gossip bootstrap of the org's other peers lists the new peer (inherent).
        or re.fullmatch(r"overlays/org2/peer[01]/statefulset-patch\.yaml", p))}
    assert not unexpected, sorted(unexpected)
    assert not any(p.startswith(("overlays/org1", "overlays/orgorderer1", "channels/"))
                   for p in changed)


def test_removing_a_peer_retires_its_keys_and_removes_its_files(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    compile_network(config, environment(tmp_path))
    config.write_text(config.read_text().replace("Count: 2\n    Users:\n      Count: 1\n\n  - "
                                                 "Name: Org2", "Count: 1\n    Users:\n      "
                                                 "Count: 1\n\n  - Name: Org2"))
    outcome = compile_network(config, environment(tmp_path))
    root = config.parent
    assert outcome.compiled.headline == ["org1 -peer1"]
    assert not (root / "overlays/org1/peer1").exists()
    retired = root / ".fabgitops/keystore/retired/peerOrganizations/org1/peers/peer1.org1"
    assert (retired / "msp/key.age").exists()


def test_no_private_key_or_password_in_clear(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    outcome = compile_network(config, environment(tmp_path))
    material = outcome.compiled.material
    secrets = [pair.key_pem for _, pair in material.certificates() if pair.key_pem]
    secrets += [material.credential(n).encode() for n in material.credentials]
    assert len(secrets) > 20 and all(len(s) > 30 for s in secrets)
    files = [p for p in config.parent.rglob("*") if p.is_file()]
    assert len(files) > 100
    for path in files:
        content = path.read_bytes()
        assert b"PRIVATE KEY" not in content, path
        for secret in secrets:
            assert secret not in content, path


def test_every_overlay_and_entry_point_builds_within_the_app_project(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    compile_network(config, environment(tmp_path))
    root = config.parent
    allowed = {k for _, k in (*CLUSTER_KINDS, *NAMESPACED_KINDS)}
    targets = sorted(root.glob("overlays/*")) + sorted(root.glob("clusters/*/*"))
    assert len(targets) == 4
    for target in targets:
        built = subprocess.run([tool("kubectl"), "kustomize", str(target)], capture_output=True,
                               text=True, check=False)
        assert built.returncode == 0, built.stderr
        kinds = {d["kind"] for d in yaml.safe_load_all(built.stdout) if d}
        if "overlays" in target.parts:
            assert kinds <= allowed, kinds - allowed


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DRY_RUN])
def test_check_and_dry_run_write_nothing(tmp_path: Path, mode: Mode) -> None:
    config = article_config(tmp_path / "repo")
    outcome = compile_network(config, environment(tmp_path), mode=mode)
    assert outcome.compiled.changes and not outcome.written
    assert sorted(p.name for p in config.parent.iterdir()) == ["cluster-config.yaml",
                                                               "sealing-cert.pem"]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_test_network_compiles_builds_and_recompiles_to_nothing(
    tmp_path: Path, name: str
) -> None:
    root = tmp_path / "repo"
    config = article_config(root)
    config.write_text(yamlio.dump(NETWORKS[name], sort_keys=False))
    first = compile_network(config, environment(tmp_path))
    assert first.written
    assert not compile_network(config, environment(tmp_path)).compiled.changes
    for overlay in sorted(root.glob("overlays/*")) + sorted(root.glob("clusters/*/*")):
        assert kustomize(overlay), overlay
