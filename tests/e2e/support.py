"""A deterministic environment and helpers to compile example networks in tests."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

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
