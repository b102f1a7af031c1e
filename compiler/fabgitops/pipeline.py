"""The compile pipeline, top to bottom: the table of contents of fabgitops.

``load -> validate -> plan -> crypto -> channel artifacts -> render -> seal -> GitOps objects``
produce the complete output tree in memory; ``changeset`` compares it with the output
directory. Writing and committing are the caller's choice (``cli.py``), so ``--check``,
``--dry-run`` and ``diff`` are simply "stop here".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fabgitops import channel, crypto, gitops, render, summary
from fabgitops.config_file import LoadedConfig, load
from fabgitops.crypto import CryptoMaterial, KeyGen
from fabgitops.errors import EnvironmentProblem, Issue
from fabgitops.keystore.identity import config_dir, resolve_identity
from fabgitops.keystore.ledger import keystore_exists
from fabgitops.model import GitOpsEngine, SecretsMode
from fabgitops.output.apply import read_tree
from fabgitops.output.changes import (
    Action,
    Changeset,
    changeset,
    generated_paths,
    with_manifest,
)
from fabgitops.plan import Plan, build
from fabgitops.seal import (
    PlainMethod,
    PlainSecret,
    Scope,
    SealedSecretsMethod,
    SealIndex,
    SealingCertificate,
    SealMethod,
    SealResult,
    SopsMethod,
    dumps,
    load_certificate,
    loads,
    seal_secrets,
    secret_path_regex,
    sops_config,
)
from fabgitops.shipped_bases import bases_tree
from fabgitops.tree import GENERATED_HEADER, FileTree, merge

SEAL_INDEX = ".fabgitops/seal-index.json"
SEAL_INDEX_KEY = "fabgitops/seal-index-key"
GITIGNORE = ".fabgitops/.gitignore"
SOPS_CONFIG = ".sops.yaml"


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
class Compiled:
    """A compiled network and what it would change on disk."""

    loaded: LoadedConfig
    plan: Plan
    material: CryptoMaterial
    current: FileTree
    tree: FileTree
    changes: Changeset
    headline: list[str]
    notes: list[str]
    state: dict[str, Any]
    """The network summary recorded in ``.fabgitops/state.json`` (commit messages use it)."""

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The configuration's warnings."""
        return self.loaded.warnings


@dataclass(frozen=True)
class Prepared:
    """The configuration, its plan and the crypto material: what every command starts from."""

    loaded: LoadedConfig
    plan: Plan
    current: FileTree
    material: CryptoMaterial
    notes: list[str]


def prepare(request: Request, env: Environment) -> Prepared:
    """Load, validate and plan the config, then reuse or create its crypto material.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: the keystore cannot be opened.
    """
    loaded = load(request.config_path)
    plan = build(loaded.config)
    current = read_tree(request.root)
    notes: list[str] = []
    identity = resolve_identity(
        env.environ,
        identity_file=request.age_identity,
        config_directory=config_dir(env.environ, env.home),
        keystore_exists=keystore_exists(current),
    )
    if identity.message:
        notes.append(identity.message)
    material = crypto.issue(plan, current, clock=env.clock, keygen=env.keygen,
                            identity=identity.identity, renew=request.renew,
                            credentials=[SEAL_INDEX_KEY])
    return Prepared(loaded, plan, current, material, [*notes, *material.notes])


def compile_network(request: Request, env: Environment) -> Compiled:
    """Run every stage and compare the result with the output directory.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: a key, certificate or identity is missing or unusable.
    """
    prepared = prepare(request, env)
    loaded, plan, current, material = (prepared.loaded, prepared.plan, prepared.current,
                                       prepared.material)
    notes = list(prepared.notes)
    artifacts = channel.build_artifacts(plan, material.files, current, clock=env.clock,
                                        rng=env.random)
    user_paths = frozenset(set(current) - generated_paths(current))
    rendered = render.render(plan, material, artifacts, user_paths=user_paths)
    sealed = _seal(request, env, plan, material, rendered.secrets, current, notes)
    engine = _engine(request, env, plan, notes)
    state = summary.network_state(plan, summary.config_digest(loaded.raw))
    tree = with_manifest(merge(
        bases_tree(), rendered.files, artifacts, sealed.files, material.keystore, engine,
        _sops_files(plan, rendered.secrets),
        {summary.STATE: summary.state_bytes(state), SEAL_INDEX: dumps(sealed.index),
         GITIGNORE: f"{GENERATED_HEADER}lock\njournal.json\n".encode()},
    ))
    changes = changeset(current, tree)
    notes += _live_channel_warnings(changes)
    headline = summary.describe(summary.load_state(current.get(summary.STATE)), state) \
        if changes else []
    return Compiled(loaded, plan, material, current, tree, changes, headline, notes, state)


def _live_channel_warnings(changes: Changeset) -> list[str]:
    """A changed genesis block does not change a channel that already runs."""
    return [
        f"warning: {c.path} changed; a running channel keeps its configuration until a "
        "channel config update is submitted (peer channel update / osnadmin): the new block "
        "only applies to a channel created from scratch"
        for c in changes.changes
        if c.path.endswith("/genesis.block") and c.action is Action.CHANGE
    ]


def _seal(
    request: Request,
    env: Environment,
    plan: Plan,
    material: CryptoMaterial,
    secrets: tuple[PlainSecret, ...],
    current: FileTree,
    notes: list[str],
) -> SealResult:
    settings = plan.config.secrets
    method: SealMethod
    if settings.mode is SecretsMode.SEALED_SECRETS:
        method = SealedSecretsMethod(_certificate(request, plan, env),
                                     Scope(settings.sealed_secrets.scope.value))
    elif settings.mode is SecretsMode.SOPS:
        method = SopsMethod(tuple(settings.sops.age_recipients))
    else:
        method = PlainMethod()
        notes.append("warning: Secrets.Mode is plain: private keys and passwords are written "
                     "unencrypted into the output")
    raw_index = current.get(SEAL_INDEX)
    previous = loads(raw_index, source=SEAL_INDEX) if raw_index else SealIndex()
    # The credential is a 43-character password carrying 32 random bytes; the index wants a
    # 32-byte HMAC key, so derive one from it.
    key = hashlib.sha256(material.credential(SEAL_INDEX_KEY).encode()).digest()
    return seal_secrets(secrets, method, current=current, previous=previous, index_key=key,
                        random=env.random, now=env.clock())


def _certificate(request: Request, plan: Plan, env: Environment) -> SealingCertificate:
    configured = plan.config.secrets.sealed_secrets.certificate
    path = request.seal_cert or (request.config_path.parent / configured if configured else None)
    controller = plan.config.secrets.sealed_secrets
    if path is None:
        raise EnvironmentProblem(
            "Secrets.Mode is sealed-secrets but no sealing certificate is given: pass "
            "--seal-cert FILE or set Secrets.SealedSecrets.Certificate to the file that "
            f"`kubeseal --fetch-cert --controller-name {controller.controller_name} "
            f"--controller-namespace {controller.controller_namespace}` prints (the Helm chart "
            "names the controller sealed-secrets)"
        )
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read the sealing certificate {path}: "
                                 f"{exc.strerror}") from None
    return load_certificate(pem, now=env.clock(), source=f"the sealing certificate {path}")


def _engine(request: Request, env: Environment, plan: Plan, notes: list[str]) -> FileTree:
    git_ops = plan.config.git_ops
    if git_ops.engine is GitOpsEngine.NONE:
        return {}
    url = git_ops.repo_url or env.repo_url(request.root, git_ops.remote)
    skipped = f"warning: no {git_ops.engine.value} objects written"
    if not url:
        notes.append(f"{skipped}: set GitOps.RepoURL or add the git remote {git_ops.remote!r} "
                     "to the output repository")
        return {}
    try:
        return gitops.engine_files(plan, repo_url=url)
    except EnvironmentProblem as exc:
        if git_ops.repo_url:
            raise
        # A remote that suits the author (a local path, say) need not suit the controller.
        notes.append(f"{skipped}: {exc}; set GitOps.RepoURL to a URL the cluster can fetch")
        return {}


def _sops_files(plan: Plan, secrets: tuple[PlainSecret, ...]) -> FileTree:
    if plan.config.secrets.mode is not SecretsMode.SOPS:
        return {}
    recipients = tuple(plan.config.secrets.sops.age_recipients)
    return {SOPS_CONFIG: sops_config(recipients, secret_path_regex([s.path for s in secrets]))}
