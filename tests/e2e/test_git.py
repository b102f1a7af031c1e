"""compile --commit/--push with real git repositories (a bare repository as the remote)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import git
import pytest

from fabgitops import cli
from fabgitops.errors import ExitCode
from tests.e2e.support import IDENTITY, article_config

ORG2_THREE_PEERS = ("  - Name: Org2\n    Domain: org2\n    Template:\n      Count: 2",
                    "  - Name: Org2\n    Domain: org2\n    Template:\n      Count: 3")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[git.Repo, Path]:
    """A clone of an empty bare repository, holding the article config and a user README."""
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", IDENTITY.secret_keys[0])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    remote = git.Repo.init(tmp_path / "remote.git", bare=True, initial_branch="main")
    repo = git.Repo.clone_from(remote.working_dir, tmp_path / "work")
    with repo.config_writer() as writer:
        writer.set_value("user", "name", "Test").set_value("user", "email", "t@example.com")
    config = article_config(Path(repo.working_dir))
    (config.parent / "README.md").write_text("# our network\n")
    repo.index.add(["cluster-config.yaml", "sealing-cert.pem", "README.md"])
    repo.index.commit("config")
    return repo, config


def compile_(config: Path, *args: str) -> int:
    return cli.run(["compile", "-c", str(config), "--seal-cert",
                    str(config.parent / "sealing-cert.pem"), *args])


def head_message(repo: git.Repo) -> str:
    message = repo.head.commit.message
    return message.decode() if isinstance(message, bytes) else message


def committed_paths(repo: git.Repo) -> set[str]:
    return set(repo.git.show("--name-only", "--format=", "HEAD").split())


def test_commit_push_and_minimal_commits(workspace: tuple[git.Repo, Path]) -> None:
    repo, config = workspace
    assert compile_(config, "--commit") == ExitCode.OK
    assert head_message(repo).startswith("fabgitops: initial network: 3 orgs, 1 channels")
    first = committed_paths(repo)
    assert "overlays/org1/peer0/kustomization.yaml" in first
    assert any(p.startswith(".fabgitops/keystore/") for p in first)
    assert not repo.is_dirty(untracked_files=True)
    head = repo.head.commit.hexsha
    assert compile_(config, "--commit") == ExitCode.OK
    assert repo.head.commit.hexsha == head  # nothing changed, nothing committed
    # The edited config is committed with its output, whether staged or not.
    config.write_text(config.read_text().replace(*ORG2_THREE_PEERS))
    assert compile_(config, "--push") == ExitCode.OK
    message = head_message(repo)
    assert message.startswith("fabgitops: org2 +peer2\n")
    committed_config = repo.head.commit.tree["cluster-config.yaml"].data_stream.read()
    digest = hashlib.sha256(committed_config).hexdigest()
    assert f"Config: cluster-config.yaml sha256:{digest}" in message
    assert committed_config == config.read_bytes()
    assert not repo.is_dirty(untracked_files=True)
    touched = committed_paths(repo)
    assert "cluster-config.yaml" in touched
    assert "overlays/org2/peer2/kustomization.yaml" in touched
    assert "overlays/org2/kustomization.yaml" in touched
    assert not any(p.startswith(("overlays/org1/", "overlays/orgorderer1/")) for p in touched)
    remote = git.Repo(repo.remotes.origin.url)
    assert remote.heads.main.commit.hexsha == repo.head.commit.hexsha
    assert (Path(repo.working_dir) / "README.md").read_text() == "# our network\n"


def test_user_patches_are_included_and_never_touched(workspace: tuple[git.Repo, Path]) -> None:
    _, config = workspace
    patches = config.parent / "overlays/org1/patches"
    patches.mkdir(parents=True)
    component = ("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                 "commonAnnotations:\n  team: fabric-ops\n")
    (patches / "kustomization.yaml").write_text(component)
    assert compile_(config) == ExitCode.OK
    kustomization = (config.parent / "overlays/org1/kustomization.yaml").read_text()
    assert "components:\n- patches\n" in kustomization
    assert (patches / "kustomization.yaml").read_text() == component
    assert compile_(config) == ExitCode.OK
    assert (patches / "kustomization.yaml").read_text() == component


def test_unrelated_staged_paths_refuse_the_commit(workspace: tuple[git.Repo, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    repo, config = workspace
    (config.parent / "notes.txt").write_text("wip\n")
    repo.index.add(["notes.txt"])
    assert compile_(config, "--commit") == ExitCode.ENVIRONMENT
    assert "unrelated paths are staged (notes.txt)" in capsys.readouterr().err
    assert not (config.parent / "overlays").exists()  # refused before writing anything


def test_plain_secrets_are_not_committed_to_a_repo_with_a_remote(
    workspace: tuple[git.Repo, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    repo, config = workspace
    config.write_text(config.read_text() + "Secrets:\n  Mode: plain\n")
    assert compile_(config, "--commit") == ExitCode.ENVIRONMENT
    assert "refusing to commit plaintext Secrets" in capsys.readouterr().err
    assert compile_(config, "--commit", "--allow-plaintext-secrets") == ExitCode.OK
    assert head_message(repo).startswith("fabgitops:")


def test_repo_url_comes_from_the_remote(workspace: tuple[git.Repo, Path]) -> None:
    repo, config = workspace
    repo.remotes.origin.set_url("https://git.example.com/acme/fabric.git")
    assert compile_(config) == ExitCode.OK
    app = config.parent / "clusters/fabric/argocd/application-org1.yaml"
    assert "repoURL: https://git.example.com/acme/fabric.git" in app.read_text()


def test_git_init_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", IDENTITY.secret_keys[0])
    config = article_config(tmp_path / "fresh")
    assert compile_(config, "--commit") == ExitCode.ENVIRONMENT
    assert "not in a git repository" in capsys.readouterr().err
    assert compile_(config, "--commit", "--git-init") == ExitCode.OK
    repo = git.Repo(config.parent)
    assert head_message(repo).startswith("fabgitops: initial network")
    # The config is committed with its output; other files of the user's are not.
    assert "cluster-config.yaml" in committed_paths(repo)
    assert repo.untracked_files == ["sealing-cert.pem"]


def test_a_staged_config_is_committed_and_one_outside_is_left_alone(
    workspace: tuple[git.Repo, Path], tmp_path: Path
) -> None:
    repo, config = workspace
    config.write_text(config.read_text().replace(*ORG2_THREE_PEERS))
    repo.index.add(["cluster-config.yaml"])
    assert compile_(config, "--commit") == ExitCode.OK
    assert "cluster-config.yaml" in committed_paths(repo)
    assert not repo.is_dirty(untracked_files=True)
    outside = tmp_path / "elsewhere" / "cluster-config.yaml"
    outside.parent.mkdir()
    outside.write_bytes(config.read_bytes().replace(b"Count: 3", b"Count: 4"))
    assert cli.run(["compile", "-c", str(outside), "-o", str(config.parent), "--seal-cert",
                    str(config.parent / "sealing-cert.pem"), "--commit"]) == ExitCode.OK
    assert "overlays/org2/peer3/kustomization.yaml" in committed_paths(repo)
    assert config.read_bytes().count(b"Count: 3") == 1  # the repository's config untouched


def test_check_exits_4_until_compiled(workspace: tuple[git.Repo, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    _, config = workspace
    assert compile_(config, "--check") == ExitCode.OUT_OF_DATE
    out = capsys.readouterr()
    assert "add overlays/org1/kustomization.yaml" in out.out
    assert compile_(config) == ExitCode.OK
    assert compile_(config, "--check") == ExitCode.OK
