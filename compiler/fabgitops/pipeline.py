"""The compile pipeline, top to bottom: the table of contents of fabgitops.

``gather`` reads every input once (``gather.py``); from there on compiling is a function of
that value: ``plan -> crypto -> channel artifacts -> render -> seal -> GitOps objects`` produce
the complete output tree in memory, and ``changeset`` compares it with the output directory as
gathered. Writing and committing are the caller's choice (``deliver.py``), so ``--check``,
``--dry-run`` and ``diff`` are simply "stop here".
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from fabgitops import channel, crypto, monitoring, render, summary
from fabgitops.chaincode.stage import build_chaincodes
from fabgitops.chaincode.summary import removed_chaincode_notes
from fabgitops.channel import ChannelArtifacts
from fabgitops.config_file import LoadedConfig
from fabgitops.crypto import CryptoMaterial, KeyGen
from fabgitops.errors import EnvironmentProblem, Issue
from fabgitops.gather import Inputs
from fabgitops.keystore.credentials import SEAL_INDEX_KEY
from fabgitops.layout import GITIGNORE, LOCAL_ONLY, SEAL_INDEX, SOPS_CONFIG, STATE_DIR
from fabgitops.model import GitOpsEngine, SecretsMode
from fabgitops.notes import Note
from fabgitops.output.changes import (
    Changeset,
    changeset,
    generated_paths,
    with_manifest,
)
from fabgitops.parties.signatures import is_signature, signature_notes
from fabgitops.placement.gitops import engine_files as placed_engine_files
from fabgitops.placement.place import imported_files, own_orgs
from fabgitops.plan import Plan
from fabgitops.seal import (
    PlainMethod,
    PlainSecret,
    Scope,
    SealedSecretsMethod,
    SealIndex,
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
from fabgitops.tree import GENERATED_HEADER, FileTree, ReadOnlyTree, merge


@dataclass(frozen=True)
class Compiled:
    """A compiled network and what it would change on disk."""

    inputs: Inputs
    plan: Plan
    material: CryptoMaterial
    tree: FileTree
    changes: Changeset
    headline: list[str]
    notes: tuple[Note, ...]
    state: dict[str, Any]
    """The network summary recorded in ``.fabgitops/state.json`` (commit messages use it)."""
    facts: frozenset[str] = frozenset()
    """The memo a writing compile stores (``keystore.memo``): what holds for this output."""

    @property
    def loaded(self) -> LoadedConfig:
        """The configuration compiled."""
        return self.inputs.loaded

    @property
    def current(self) -> FileTree:
        """The output directory as it was."""
        return self.inputs.current

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The configuration's warnings."""
        return self.loaded.warnings


@dataclass(frozen=True)
class Prepared:
    """The plan and the crypto material: what every command starts from."""

    inputs: Inputs
    plan: Plan
    material: CryptoMaterial


def prepare(inputs: Inputs, keygen: KeyGen) -> Prepared:
    """Plan the config, then reuse or create its crypto material.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: the keystore cannot be opened.
    """
    plan = inputs.loaded.plan
    # Keys exist for this party's orgs only; other parties' public material is imported.
    material = crypto.issue(own_orgs(plan), inputs.current, clock=lambda: inputs.now,
                            keygen=keygen, identity=inputs.identity.identity,
                            renew=inputs.renew, credentials=[SEAL_INDEX_KEY], known=inputs.memo)
    material = replace(material, imported=imported_files(plan, inputs.loaded.bundles))
    return Prepared(inputs, plan, material)


def channel_artifacts(prepared: Prepared, random: Callable[[int], bytes]) -> ChannelArtifacts:
    """The channel stage: genesis blocks, and the next update of every running channel.

    Raises:
        ConfigInvalid: a change Fabric would refuse, located at the channel's source.
    """
    inputs = prepared.inputs
    return channel.build_artifacts(prepared.plan, prepared.material.channel_files, inputs.current,
                                   clock=lambda: inputs.now, rng=random)


def _nothing(_: ReadOnlyTree) -> None:
    return None


def compile_network(inputs: Inputs, *, keygen: KeyGen, random: Callable[[int], bytes],
                    finished: Callable[[ReadOnlyTree], None] = _nothing) -> Compiled:
    """Run every stage on the gathered inputs and compare the result with the output directory.

    Args:
        inputs: everything read (see ``gather``).
        keygen: the source of new keys.
        random: the source of nonces (sealing, channel transactions).
        finished: called with each large part of the output tree as soon as it is final (the
            keystore, the overlays, the sealed secrets), so that a writing compile can start
            writing it (``output.staging``); the tree returned is the same either way.

    Raises:
        ConfigInvalid: the configuration has errors.
        EnvironmentProblem: a key, certificate or identity is missing or unusable.
    """
    prepared = prepare(inputs, keygen)
    plan, material, current = prepared.plan, prepared.material, inputs.current
    finished(material.keystore)
    notes = list(material.notes)
    artifacts = channel_artifacts(prepared, random)
    previous_state = summary.load_state(current.get(summary.STATE))
    chaincodes = build_chaincodes(plan, material, previous_state)
    user_paths = frozenset(set(current) - generated_paths(current))
    rendered = render.render(plan, material, artifacts, user_paths=user_paths,
                             chaincodes=chaincodes,
                             signatures={p: c for p, c in current.items() if is_signature(p)})
    finished(rendered.files)
    sealed = _seal(inputs, plan, material, rendered.secrets, random, notes)
    finished(sealed.files)
    engine = _engine(inputs, own_orgs(plan), notes)
    state = {**summary.network_state(plan, summary.config_digest(inputs.loaded.raw)),
             **chaincodes.state}
    tree = with_manifest(merge(
        bases_tree(), rendered.files, artifacts.files(), chaincodes.files, sealed.files,
        material.keystore, engine,
        _sops_files(plan, rendered.secrets),
        monitoring.network_files(plan, material.keystore, plan.monitoring)
        if plan.monitoring else {},
        {summary.STATE: summary.state_bytes(state), SEAL_INDEX: dumps(sealed.index),
         GITIGNORE: _gitignore()},
    ))
    changes = changeset(current, tree)
    notes += removed_chaincode_notes(previous_state, state)
    notes += signature_notes(plan, {**current, **tree})
    headline = summary.describe(previous_state, state) if changes else []
    return Compiled(inputs, plan, material, tree, changes, headline, tuple(notes), state,
                    material.facts | sealed.facts)


def _seal(
    inputs: Inputs,
    plan: Plan,
    material: CryptoMaterial,
    secrets: tuple[PlainSecret, ...],
    random: Callable[[int], bytes],
    notes: list[Note],
) -> SealResult:
    settings = plan.secrets
    method: SealMethod
    if settings.mode is SecretsMode.SEALED_SECRETS:
        # gather reads the certificate whenever the mode is sealed-secrets and the run seals.
        cert = inputs.seal_certificate
        assert cert is not None, "gathered without sealing=True"
        method = SealedSecretsMethod(load_certificate(cert.pem, now=inputs.now,
                                                      source=cert.source),
                                     Scope(settings.sealed_secrets.scope.value))
    elif settings.mode is SecretsMode.SOPS:
        method = SopsMethod(tuple(settings.sops.age_recipients))
    else:
        method = PlainMethod()
        notes.append(Note.warning("Secrets.Mode is plain: private keys and passwords are "
                                  "written unencrypted into the output"))
    raw_index = inputs.current.get(SEAL_INDEX)
    previous = loads(raw_index, source=SEAL_INDEX) if raw_index else SealIndex()
    # The credential is a 43-character password carrying 32 random bytes; the index wants a
    # 32-byte HMAC key, so derive one from it. Decrypting it also proves the identity when
    # the memo spares every other decryption.
    key = hashlib.sha256(material.credential(SEAL_INDEX_KEY).encode()).digest()
    return seal_secrets(secrets, method, current=inputs.current, previous=previous,
                        index_key=key, random=random, now=inputs.now, known=inputs.memo)


def _engine(inputs: Inputs, plan: Plan, notes: list[Note]) -> FileTree:
    git_ops = plan.git_ops
    if git_ops.engine is GitOpsEngine.NONE:
        return {}
    url = git_ops.repo_url or inputs.remote_url
    skipped = f"no {git_ops.engine.value} objects written"
    if not url:
        notes.append(Note.warning(f"{skipped}: set GitOps.RepoURL or add the git remote "
                                  f"{git_ops.remote!r} to the output repository"))
        return {}
    try:
        return placed_engine_files(plan, repo_url=url)
    except EnvironmentProblem as exc:
        if git_ops.repo_url:
            raise
        # A remote that suits the author (a local path, say) need not suit the controller.
        notes.append(Note.warning(f"{skipped}: {exc}; set GitOps.RepoURL to a URL the "
                                  "cluster can fetch"))
        return {}


def _sops_files(plan: Plan, secrets: tuple[PlainSecret, ...]) -> FileTree:
    if plan.secrets.mode is not SecretsMode.SOPS:
        return {}
    recipients = tuple(plan.secrets.sops.age_recipients)
    return {SOPS_CONFIG: sops_config(recipients, secret_path_regex([s.path for s in secrets]))}


def _gitignore() -> bytes:
    """``.fabgitops/.gitignore``: the local-only state files, relative to it."""
    names = "".join(posixpath.relpath(p, STATE_DIR) + "\n" for p in LOCAL_ONLY)
    return f"{GENERATED_HEADER}{names}".encode()
