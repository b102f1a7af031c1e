"""The effects of ``compile``: lock, recover, gather, compile, then write, commit and push.

Everything that touches the output directory, the user's identity file or git happens here, in
this order, under one lock: a crash at any point leaves the previous tree or the new one (see
``output.apply``). Only WRITE mode persists anything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from fabgitops.errors import EnvironmentProblem
from fabgitops.gather import Environment, Request, gather
from fabgitops.keystore import memo
from fabgitops.keystore.identity import persist_identity, unsaved_identity_note
from fabgitops.layout import JOURNAL, STATE_DIR, is_keystore
from fabgitops.model import SecretsMode
from fabgitops.notes import Note, NoteKind
from fabgitops.output import fingerprint
from fabgitops.output.apply import apply, recover
from fabgitops.output.lock import locked, reading
from fabgitops.output.staging import Staging
from fabgitops.pipeline import Compiled, Prepared, compile_network, prepare
from fabgitops.summary import commit_message

if TYPE_CHECKING:
    # GitPython takes a tenth of a second to import: only --commit and --push load it.
    from fabgitops import vcs


class Mode(StrEnum):
    """How far a compile goes."""

    CHECK = "check"
    """Compute only; the caller fails when something would change."""
    DRY_RUN = "dry-run"
    WRITE = "write"


@dataclass(frozen=True)
class GitOptions:
    """What to do with git after writing."""

    commit: bool = False
    push: bool = False
    init: bool = False
    allow_plaintext_secrets: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a compile did."""

    compiled: Compiled
    recovered: str | None
    written: bool
    commit: str | None
    pushed: bool
    notes: tuple[Note, ...]
    """The compile's notes, after the one about a newly generated age identity, if any."""


def run(request: Request, env: Environment, mode: Mode, git: GitOptions | None = None
        ) -> Outcome:
    """Compile and, in WRITE mode, apply the changes and commit them as asked.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: keys, certificates, the lock or git are unavailable.
    """
    with _without_cycle_collector():
        return _run(request, env, mode, git)


@contextmanager
def _without_cycle_collector() -> Iterator[None]:
    """A compile builds millions of long-lived objects and almost no reference cycles:
    reference counting frees its garbage, while the cycle collector's full passes rescan the
    ever larger heap again and again (1000 orgs: 2.5 s of 34 s of CPU, for 79 objects freed).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(request: Request, env: Environment, mode: Mode, git: GitOptions | None) -> Outcome:
    git = git or GitOptions()
    root = request.root
    if mode is not Mode.WRITE:
        # A check leaves no trace: no lock file is created and no interrupted write finished.
        with reading(root):
            if (root / JOURNAL).exists():
                raise EnvironmentProblem(
                    f"an interrupted write left {root} half-updated: run fabgitops compile "
                    "to finish it (read-only commands change nothing)"
                )
            compiled = _compile(request, env)
        return Outcome(compiled, None, False, None, False, _read_only_notes(compiled))
    root.mkdir(parents=True, exist_ok=True)
    with locked(root):
        recovered = recover(root)
        inputs = gather(request, env)
        staging = Staging(root, inputs.current)
        try:
            compiled = compile_network(inputs, keygen=env.keygen, random=env.random,
                                       finished=staging.offer)
            repository = _repository(root, compiled, git)
            identity_note = persist_identity(compiled.inputs.identity)
            staged = staging.collect()
        except BaseException:
            staging.discard()  # only before apply: after its journal, temporaries are commits
            raise
        apply(compiled.changes, root, staged=staged)
        sha = None
        if repository is not None:
            sha = _commit(repository, request, compiled, push=git.push)
        notes = (identity_note, *compiled.notes) if identity_note else compiled.notes
        _remember(request, env, compiled, notes)
        memo.write(memo.cache_file(env.environ, env.home, compiled.tree), compiled.facts)
        return Outcome(compiled, recovered, True, sha, git.push and repository is not None,
                       notes)


def request_digest(request: Request, env: Environment) -> str:
    """The no-op fingerprint's key for ``request`` in ``env`` (see ``output.fingerprint``)."""
    key = fingerprint.RequestKey(request.config_path, request.root, request.seal_cert,
                                 request.age_identity)
    return fingerprint.request_digest(key, env.environ, env.home)


def _remember(request: Request, env: Environment, compiled: Compiled,
              notes: Sequence[Note]) -> None:
    """After a quiet write, record what it read and wrote: the next compile with the same
    inputs answers from the record (``output.fingerprint``); after a noisy one, forget it."""
    where = fingerprint.cache_file(env.environ, env.home, request.root)
    until = _quiet_until(request, compiled, notes, env.clock())
    if until is None:
        fingerprint.forget(where)
        return
    inputs = compiled.inputs
    files = {str(request.config_path): inputs.loaded.raw}
    certificate = inputs.seal_certificate
    if certificate is not None and certificate.path is not None:
        files[str(certificate.path)] = certificate.pem
    record = fingerprint.snapshot(request.root, request_digest(request, env), files,
                                  compiled.tree, until)
    fingerprint.write_record(where, record)


def _quiet_until(request: Request, compiled: Compiled, notes: Sequence[Note],
                 now: datetime) -> int | None:
    """Until when a compile of the same inputs would print nothing but "0 changed" (Unix
    seconds), or None when it may say more or read inputs the fingerprint does not cover."""
    inputs = compiled.inputs
    if request.renew or inputs.remote_url is not None or compiled.warnings \
            or any(note.kind is NoteKind.WARNING for note in notes) \
            or any(org.bundle is not None for org in compiled.plan.orgs):
        return None
    certificate = inputs.seal_certificate
    if certificate is not None and certificate.path is None:
        return None
    expiries = [pair.certificate.not_valid_after_utc
                for _, pair in compiled.material.certificates()]
    if not expiries:
        return None
    # The CLI warns once a certificate's NotAfter is within the warning window.
    until = min(expiries) - timedelta(days=compiled.plan.keystore.expiry_warning_days)
    return int(until.timestamp()) if until > now else None


def _compile(request: Request, env: Environment) -> Compiled:
    return compile_network(gather(request, env), keygen=env.keygen, random=env.random)


def _read_only_notes(compiled: Compiled) -> tuple[Note, ...]:
    unsaved = unsaved_identity_note(compiled.inputs.identity)
    return (unsaved, *compiled.notes) if unsaved else compiled.notes


def read_material(request: Request, env: Environment) -> Prepared:
    """The crypto material of the output directory, for ``export-crypto``; writes nothing.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: the keystore is missing, unreadable, or not up to date with the
            configuration (export never creates keys: they would exist nowhere else).
    """
    if not (request.root / STATE_DIR).is_dir():
        raise EnvironmentProblem(f"{request.root} holds no keystore: run fabgitops compile "
                                 "first")
    with locked(request.root):
        recover(request.root)
        prepared = prepare(gather(request, env, sealing=False), env.keygen)
    stored = {p: c for p, c in prepared.inputs.current.items() if is_keystore(p)}
    if prepared.material.keystore != stored:
        raise EnvironmentProblem("the keystore is not up to date with the config: run "
                                 "fabgitops compile first (export never creates keys)")
    return prepared


def _repository(root: Path, compiled: Compiled, git: GitOptions) -> vcs.Repository | None:
    """Open (or create) the repository before writing, so git problems stop the run early."""
    if not (git.commit or git.push):
        return None
    from fabgitops import vcs

    branch = compiled.plan.git_ops.branch
    repository = vcs.open_repository(root, init=git.init, branch=branch)
    plain = compiled.plan.secrets.mode is SecretsMode.PLAIN
    if plain and vcs.has_remote(repository) and not git.allow_plaintext_secrets:
        raise EnvironmentProblem(
            "refusing to commit plaintext Secrets to a repository with a remote (Secrets.Mode "
            "is plain): use sealed-secrets or sops, or pass --allow-plaintext-secrets"
        )
    vcs.refuse_unrelated_staged(repository, compiled.changes.paths, _inputs(repository, compiled))
    return repository


def _commit(repository: vcs.Repository, request: Request, compiled: Compiled, *,
            push: bool) -> str | None:
    """Commit the written changes (and push them when asked); the commit's hash, if any."""
    from fabgitops import vcs

    sha = vcs.commit(repository, compiled.changes, _message(request, compiled),
                     _inputs(repository, compiled))
    if push:
        config = compiled.plan.git_ops
        vcs.push(repository, config.remote, config.branch)
    return sha


def _inputs(repository: vcs.Repository, compiled: Compiled) -> list[str]:
    """The cluster-config, when it lives in the repository, to commit beside its output."""
    config = repository.inside(compiled.loaded.path)
    return [config] if config is not None else []


def _message(request: Request, compiled: Compiled) -> str:
    return commit_message(compiled.headline, compiled.changes, compiled.state,
                          request.config_path.name)
