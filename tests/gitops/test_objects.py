"""The fields of the Argo CD and Flux objects that the issue asks for, one concern per test."""

from __future__ import annotations

import pytest
import yaml

from fabgitops.gitops import engine_files
from fabgitops.gitops.argocd import CLUSTER_KINDS, IN_CLUSTER, NAMESPACED_KINDS
from fabgitops.shipped_bases import bases_tree

from .helpers import REPO_URL, documents, kafka_flux_plan, plan_of, sops_flux_plan


def test_project_confines_applications_to_the_network() -> None:
    plan = plan_of(Network={"FabricVersion": "2.5"}, Consensus={"Type": "kafka"})
    files = engine_files(plan, repo_url=REPO_URL)
    [project] = documents(files, "AppProject")
    apps = documents(files, "Application")
    spec = project["spec"]
    namespaces = {o.namespace for o in plan.orgs} | {"kafka"}
    assert spec["sourceRepos"] == [REPO_URL]
    assert sorted(d["namespace"] for d in spec["destinations"]) == sorted(namespaces)
    assert {d["server"] for d in spec["destinations"]} == {IN_CLUSTER}
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    for app in apps:
        assert app["spec"]["project"] == project["metadata"]["name"]
        assert app["spec"]["source"]["repoURL"] in spec["sourceRepos"]
        assert app["spec"]["destination"] in spec["destinations"]


def test_applications_sync_automatically_with_server_side_apply() -> None:
    files = engine_files(plan_of(GitOps={"Branch": "release"}), repo_url=REPO_URL)
    apps = documents(files, "Application")
    assert len(apps) > 1
    for app in apps:
        policy = app["spec"]["syncPolicy"]
        assert policy["automated"] == {"prune": True, "selfHeal": True}
        assert "ServerSideApply=true" in policy["syncOptions"]
        assert "CreateNamespace=false" in policy["syncOptions"]
        assert policy["retry"]["limit"] > 0 and policy["retry"]["backoff"]["factor"] > 1
        assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
        assert app["metadata"]["annotations"]["argocd.argoproj.io/compare-options"] == (
            "ServerSideDiff=true")
        assert app["spec"]["source"]["targetRevision"] == "release"
        assert "ignoreDifferences" not in app["spec"]


def test_output_path_prefixes_every_overlay_path() -> None:
    argo = engine_files(plan_of(GitOps={"Path": "./deploy/fabric/"}), repo_url=REPO_URL)
    assert sorted(a["spec"]["source"]["path"] for a in documents(argo, "Application")) == [
        "deploy/fabric/overlays/org1", "deploy/fabric/overlays/org2",
        "deploy/fabric/overlays/orgorderer1"]
    flux = engine_files(plan_of(GitOps={"Engine": "flux", "Path": "deploy"}),
                        repo_url=REPO_URL)
    assert sorted(k["spec"]["path"] for k in documents(flux, "Kustomization")) == [
        "./deploy/overlays/org1", "./deploy/overlays/org2", "./deploy/overlays/orgorderer1"]
    root = engine_files(plan_of(GitOps={"Engine": "flux"}), repo_url=REPO_URL)
    assert "./overlays/org1" in [k["spec"]["path"] for k in documents(root, "Kustomization")]


def test_flux_kustomizations_prune_wait_and_time_out() -> None:
    files = engine_files(kafka_flux_plan(), repo_url=REPO_URL)
    [repository] = documents(files, "GitRepository")
    assert repository["spec"]["ref"] == {"branch": "main"}
    assert repository["spec"]["url"] == REPO_URL
    assert "secretRef" not in repository["spec"]
    for kustomization in documents(files, "Kustomization"):
        spec = kustomization["spec"]
        assert spec["prune"] is True and spec["wait"] is True and spec["timeout"]
        assert spec["sourceRef"] == {"kind": "GitRepository",
                                     "name": repository["metadata"]["name"]}
        assert "targetNamespace" not in spec
        assert "decryption" not in spec


def test_sops_mode_decrypts_with_the_sops_age_secret() -> None:
    files = engine_files(sops_flux_plan(), repo_url=REPO_URL)
    for kustomization in documents(files, "Kustomization"):
        assert kustomization["spec"]["decryption"] == {"provider": "sops",
                                                       "secretRef": {"name": "sops-age"}}
    usage = files["clusters/fabric/flux/kustomization.yaml"].decode()
    assert "--from-file=identity.agekey=" in usage


@pytest.mark.parametrize(("remote", "url"), [
    ("git@github.com:acme/fabric.git", "ssh://git@github.com/acme/fabric.git"),
    ("ssh://git@git.example.com:2222/acme/f.git", "ssh://git@git.example.com:2222/acme/f.git"),
])
def test_flux_fetches_ssh_remotes_with_a_key_secret(remote: str, url: str) -> None:
    files = engine_files(plan_of(GitOps={"Engine": "flux"}), repo_url=remote)
    [repository] = documents(files, "GitRepository")
    assert repository["spec"]["url"] == url
    assert repository["spec"]["secretRef"] == {"name": "fabric-git-credentials"}


@pytest.mark.parametrize("engine", ["argocd", "flux"])
def test_credentials_in_the_remote_never_reach_the_output(engine: str) -> None:
    token = "ghp_" + "x" * 36
    files = engine_files(plan_of(GitOps={"Engine": engine}),
                         repo_url=f"https://x-access-token:{token}@github.com/acme/f.git")
    assert files
    assert not any(token.encode() in content for content in files.values())
    assert any(b"https://github.com/acme/f.git" in content for content in files.values())


def test_long_names_are_shortened_uniquely() -> None:
    prefix = "p" * 40 + "-"
    plan = plan_of(Network={"Name": "n" * 40, "NamespacePrefix": prefix})
    apps = documents(engine_files(plan, repo_url=REPO_URL), "Application")
    names = [a["metadata"]["name"] for a in apps]
    assert all(len(n) <= 63 for n in names)
    assert len(set(names)) == len(names) == 3


def test_project_whitelist_covers_the_shipped_bases() -> None:
    """A kind the bases create but the project does not allow would fail every sync."""
    allowed = set(NAMESPACED_KINDS) | set(CLUSTER_KINDS)
    kinds = set()
    for name, content in bases_tree().items():
        if not name.endswith(".yaml"):
            continue
        for doc in yaml.load_all(content.decode(), Loader=yaml.CSafeLoader):
            if doc and not doc["apiVersion"].startswith("kustomize.config"):
                group = doc["apiVersion"].rpartition("/")[0]
                kinds.add((group, doc["kind"]))
    if not kinds:
        pytest.skip("no bases shipped yet")
    assert kinds <= allowed
