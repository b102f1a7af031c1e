"""A deterministic environment and helpers to compile example networks in tests."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fabgitops import cli
from fabgitops.deliver import GitOptions, Mode, Outcome, run
from fabgitops.gather import Environment, Request
from fabgitops.keystore.identity import AgeIdentity
from tests.conftest import ARTICLE, REPO
from tests.crypto.conftest import DeterministicKeyGen

SEAL_CERT = REPO / "examples" / "article" / "sealed-secrets-cert.pem"
IDENTITY = AgeIdentity.generate("test identity")
REPO_URL = "https://git.example.com/acme/fabric.git"
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
"""After the demo sealing certificate's NotBefore (2026-11-25)."""


def counter_random(seed: str = "e2e") -> Callable[[int], bytes]:
    """Reproducible 'random' bytes for sealing, nonces and timestamps."""
    state = {"n": 0}

    def random(size: int) -> bytes:
        state["n"] += 1
        return hashlib.shake_256(f"{seed}:{state['n']}".encode()).digest(size)

    return random


def environment(home: Path, *, when: datetime = NOW, identity: AgeIdentity = IDENTITY,
                repo_url: str | None = REPO_URL) -> Environment:
    """Everything deterministic except age's own randomness (keystore ciphertexts)."""
    return Environment(
        environ={"FABGITOPS_AGE_IDENTITY": identity.secret_keys[0]},
        home=home,
        clock=lambda: when,
        keygen=DeterministicKeyGen(),
        random=counter_random(),
        repo_url=lambda _root, _remote: repo_url,
    )


def article_config(directory: Path, extra: str = "") -> Path:
    """The article's config, plus ``extra`` YAML, written into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "cluster-config.yaml"
    path.write_text(ARTICLE.read_text() + extra)
    shutil.copy(SEAL_CERT, directory / "sealing-cert.pem")
    return path


def compile_network(config: Path, env: Environment, mode: Mode = Mode.WRITE,
                    git: GitOptions | None = None, root: Path | None = None) -> Outcome:
    """Compile ``config`` into ``root`` (default: beside it) with the demo sealing cert."""
    request = Request(config, root, config.parent / "sealing-cert.pem")
    return run(request, env, mode, git or GitOptions())


def cli_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The article network compiled once (cold) through the CLI, in a HOME, cache and config
    directory of its own under ``tmp_path``; its config, beside its output. It has a RepoURL:
    without one the compile warns, and only quiet compiles are recorded (no-op record, memo)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", IDENTITY.secret_keys[0])
    config = article_config(tmp_path / "net", f"GitOps:\n  RepoURL: {REPO_URL}\n")
    assert cli_compile(config) == 0
    return config


def cli_compile(config: Path, *extra: str) -> int:
    """``fabgitops compile`` of ``config`` with the sealing certificate beside it."""
    return cli.run(["compile", "-c", str(config), "--seal-cert",
                    str(config.parent / "sealing-cert.pem"), *extra])
