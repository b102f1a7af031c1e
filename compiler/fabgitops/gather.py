"""Gather: read every input of a compile once, so that compiling itself is pure.

The configuration, the output directory's tree (keystore, seal index, state), the age identity,
the sealing certificate, the time, the git remote's URL and the local memo of checks
(``keystore.memo``) are read here and nowhere else; the
result is one immutable :class:`Inputs` value that ``pipeline.compile_network`` turns into the
output tree. Gathering writes nothing: a generated age identity stays in memory until a writing
compile persists it (``keystore.identity.persist_identity``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fabgitops import crypto
from fabgitops.config_file import LoadedConfig, load
from fabgitops.crypto import KeyGen
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore import memo
from fabgitops.keystore.identity import ResolvedIdentity, config_dir, resolve_identity
from fabgitops.keystore.ledger import keystore_exists
from fabgitops.model import GitOpsEngine, SecretsMode
from fabgitops.output.apply import read_tree
from fabgitops.plan import Plan
from fabgitops.tree import FileTree


@dataclass(frozen=True)
class Request:
    """What the user asked for."""

    config_path: Path
    output: Path | None = None
    """The output repository root; default the directory of the config file."""
    seal_cert: Path | None = None
    age_identity: Path | None = None
    renew: bool = False

    @property
    def root(self) -> Path:
        """The output directory."""
        return self.output if self.output is not None else self.config_path.parent


@dataclass(frozen=True)
class Environment:
    """The outside world: the only source of time, randomness and the process environment."""

    environ: Mapping[str, str]
    home: Path
    clock: Callable[[], datetime]
    keygen: KeyGen
    random: Callable[[int], bytes]
    repo_url: Callable[[Path, str], str | None]
    """URL of a git remote of the output directory, for Argo CD and Flux sources."""

    @classmethod
    def system(cls) -> Environment:
        """The real environment of a command-line run."""
        from fabgitops.vcs import open_repository, remote_url

        def git_url(root: Path, remote: str) -> str | None:
            try:
                return remote_url(open_repository(root), remote)
            except EnvironmentProblem:
                return None

        return cls(dict(os.environ), Path.home(), crypto.system_clock, crypto.SystemKeyGen(),
                   os.urandom, git_url)


@dataclass(frozen=True)
class SealCertificateFile:
    """The Sealed Secrets controller certificate as read (checked by the seal stage)."""

    pem: bytes
    source: str
    """How messages name it: ``the sealing certificate <path>``."""
    path: Path | None = None
    """The file it was read from (the no-op fingerprint hashes it again)."""


@dataclass(frozen=True)
class Inputs:
    """Everything a compile reads, read once: the compile is a function of this value.

    Only the key generator and the random source (``Environment.keygen`` and ``.random``) are
    passed beside it, because they are not inputs but the source of new keys and nonces.
    """

    loaded: LoadedConfig
    current: FileTree
    """The output directory as it is (every file a compile may read or replace)."""
    identity: ResolvedIdentity
    seal_certificate: SealCertificateFile | None
    """Read only when Secrets.Mode is sealed-secrets (and the caller seals)."""
    now: datetime
    remote_url: str | None
    """The URL of GitOps.Remote in the output repository, read only when an engine is on
    and GitOps.RepoURL is not set."""
    renew: bool
    memo: frozenset[str] = frozenset()
    """Facts of the local memo (``keystore.memo``): decisions that need not decrypt again."""


def gather(request: Request, env: Environment, *, sealing: bool = True) -> Inputs:
    """Read the configuration and everything else a compile of it needs; write nothing.

    Args:
        request: what the user asked for.
        env: the outside world.
        sealing: read the sealing certificate when Secrets.Mode needs one (``export-crypto``
            seals nothing and passes False).

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: the identity or the sealing certificate is missing or unreadable.
    """
    loaded = load(request.config_path)
    plan = loaded.plan
    current = read_tree(request.root)
    identity = resolve_identity(
        env.environ,
        identity_file=request.age_identity,
        config_directory=config_dir(env.environ, env.home),
        keystore_exists=keystore_exists(current),
    )
    sealed = sealing and plan.secrets.mode is SecretsMode.SEALED_SECRETS
    certificate = _seal_certificate(request, plan) if sealed else None
    git_ops = plan.git_ops
    wants_remote = git_ops.engine is not GitOpsEngine.NONE and not git_ops.repo_url
    remote = env.repo_url(request.root, git_ops.remote) if wants_remote else None
    known = memo.read(memo.cache_file(env.environ, env.home, current))
    return Inputs(loaded, current, identity, certificate, env.clock(), remote, request.renew,
                  known)


def _seal_certificate(request: Request, plan: Plan) -> SealCertificateFile:
    settings = plan.secrets.sealed_secrets
    configured = settings.certificate
    path = request.seal_cert or (request.config_path.parent / configured if configured else None)
    if path is None:
        raise EnvironmentProblem(
            "Secrets.Mode is sealed-secrets but no sealing certificate is given: pass "
            "--seal-cert FILE or set Secrets.SealedSecrets.Certificate to the file that "
            f"`kubeseal --fetch-cert --controller-name {settings.controller_name} "
            f"--controller-namespace {settings.controller_namespace}` prints (the Helm chart "
            "names the controller sealed-secrets)"
        )
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read the sealing certificate {path}: "
                                 f"{exc.strerror}") from None
    return SealCertificateFile(pem, f"the sealing certificate {path}", path)
