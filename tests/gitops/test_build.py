"""Both entry points build with ``kubectl kustomize`` and yield exactly the generated objects."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fabgitops.gitops import engine_files
from fabgitops.plan import Plan
from fabgitops.tree import GENERATED_HEADER
from tests.conftest import kustomize, write_tree

from .helpers import REPO_URL, kafka_flux_plan, plan_of, sops_flux_plan

CASES: dict[str, Callable[[], Plan]] = {
    "article-argocd": lambda: plan_of(),
    "article-flux": lambda: plan_of(GitOps={"Engine": "flux"}),
    "kafka-2.5-argocd": lambda: plan_of(Network={"FabricVersion": "2.5"},
                                        Consensus={"Type": "kafka"}),
    "kafka-2.5-flux": kafka_flux_plan,
    "sops-flux": sops_flux_plan,
    "path-argocd": lambda: plan_of(GitOps={"Path": "deploy/fabric"}),
    "path-flux": lambda: plan_of(GitOps={"Engine": "flux", "Path": "./deploy/fabric/"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_entry_point_builds(case: str, tmp_path: Path) -> None:
    plan: Plan = CASES[case]()
    files = engine_files(plan, repo_url=REPO_URL)
    engine = plan.git_ops.engine.value
    entry = f"clusters/{plan.network_name}/{engine}"
    assert files, "an engine must write files"
    assert all(name.startswith(entry + "/") for name in files)
    write_tree(tmp_path, files)
    built = kustomize(tmp_path / entry)
    # Every generated object file is listed in the kustomization, none twice.
    assert len(built) == len(files) - 1
    names = [(o["kind"], o["metadata"]["name"]) for o in built]
    assert len(set(names)) == len(names)
    expected_overlays = len(plan.orgs) + (1 if plan.kafka else 0)
    synced = [o for o in built if o["kind"] in ("Application", "Kustomization")]
    assert len(synced) == expected_overlays


@pytest.mark.parametrize("case", sorted(CASES))
def test_files_are_generated_and_deterministic(case: str) -> None:
    plan = CASES[case]()
    first = engine_files(plan, repo_url=REPO_URL)
    assert first == engine_files(plan, repo_url=REPO_URL)
    assert list(first) == sorted(first)
    for name, content in first.items():
        text = content.decode()
        assert text.startswith(GENERATED_HEADER), name
        assert text.endswith("\n") and "\r" not in text, name


def test_engine_none_writes_nothing() -> None:
    assert engine_files(plan_of(GitOps={"Engine": "none"}), repo_url=REPO_URL) == {}
