"""Names, paths and repository URLs shared by both engines."""

from __future__ import annotations

import pytest

from fabgitops.errors import EnvironmentProblem
from fabgitops.gitops import clean_repo_url, flux_repo_url, object_name, output_path_problem
from fabgitops.gitops.common import is_ssh, repo_path


def test_object_name_is_network_dash_namespace() -> None:
    assert object_name("fabric", "org1") == "fabric-org1"


def test_object_name_fits_a_label_value_and_stays_unique() -> None:
    long_a = object_name("n" * 40, "p" * 30 + "-org1")
    long_b = object_name("n" * 40, "p" * 30 + "-org2")
    assert len(long_a) <= 63 and len(long_b) <= 63
    assert long_a != long_b
    assert long_a == object_name("n" * 40, "p" * 30 + "-org1")  # stable
    assert not long_a.startswith("-") and "--" not in long_a


@pytest.mark.parametrize(("path", "parts", "expected"), [
    ("", ("overlays", "org1"), "overlays/org1"),
    ("./deploy/", ("overlays", "org1"), "deploy/overlays/org1"),
    ("deploy//fabric", ("clusters",), "deploy/fabric/clusters"),
    ("", (), ""),
])
def test_repo_path(path: str, parts: tuple[str, ...], expected: str) -> None:
    assert repo_path(path, *parts) == expected


@pytest.mark.parametrize("path", ["/abs", "../up", "a/../../b", "a\\b"])
def test_paths_outside_the_repository_are_refused(path: str) -> None:
    assert output_path_problem(path)
    with pytest.raises(ValueError, match=r"GitOps\.Path"):
        repo_path(path, "overlays")


@pytest.mark.parametrize(("url", "clean"), [
    ("https://user:token@github.com/a/b.git", "https://github.com/a/b.git"),
    ("https://token@github.com/a/b.git", "https://github.com/a/b.git"),
    ("ssh://git:pw@host/a/b.git", "ssh://git@host/a/b.git"),
    ("git@github.com:a/b.git", "git@github.com:a/b.git"),
    (" https://github.com/a/b.git\n", "https://github.com/a/b.git"),
])
def test_credentials_are_dropped(url: str, clean: str) -> None:
    assert clean_repo_url(url) == clean


@pytest.mark.parametrize(("url", "flux"), [
    ("git@github.com:acme/fabric.git", "ssh://git@github.com/acme/fabric.git"),
    ("gitlab.example.com:group/sub/repo", "ssh://gitlab.example.com/group/sub/repo"),
    ("https://github.com/acme/fabric", "https://github.com/acme/fabric"),
    ("ssh://git@host:22/repo.git", "ssh://git@host:22/repo.git"),
])
def test_flux_urls(url: str, flux: str) -> None:
    assert flux_repo_url(url) == flux
    assert is_ssh(flux) == flux.startswith("ssh://")


@pytest.mark.parametrize("url", ["/srv/git/fabric.git", "file:///srv/git/fabric.git",
                                 "git://host/repo.git", "C:/repos/fabric", "../fabric"])
def test_flux_refuses_urls_a_cluster_cannot_fetch(url: str) -> None:
    with pytest.raises(EnvironmentProblem, match="cannot be used by Flux"):
        flux_repo_url(url)
