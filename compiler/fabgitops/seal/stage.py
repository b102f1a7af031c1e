"""The seal stage: every rendered Secret becomes a file that is safe to commit, with stable diffs.

Sealing is randomized; re-sealing unchanged data would rewrite every file on every run. So the
stage reuses the bytes of a previously written file when the keyed fingerprint of its inputs
(plaintext, name, namespace, scope, and the sealing certificate or the recipient set) is the
one recorded in the index and the file on disk is still the one it wrote. A SealedSecret is
reused value by value: one changed value re-seals only that value, and a metadata change keeps
every ciphertext (the controller only binds the values to the scope label). A SOPS file is
reused whole or re-encrypted whole (one data key per file).

Keys and passwords arrive still encrypted (:mod:`fabgitops.keystore.value`). A secret whose
*token* manifest (keystore secrets replaced by their ciphertexts' tokens) an earlier compile
found to have the recorded fingerprint is reused without decrypting anything: that is a fact of
the memo (:mod:`fabgitops.keystore.memo`), an HMAC under the index key. Any other secret is
decrypted and decided as above, and the outcome remembered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from fabgitops import yamlio
from fabgitops.keystore import memo
from fabgitops.keystore.value import reveal
from fabgitops.ports import RandomBytes
from fabgitops.seal import index as idx
from fabgitops.seal.batch import Job, job, seal_jobs
from fabgitops.seal.sealed_secrets import (
    Scope,
    SealingCertificate,
    encryption_label,
    sealed_secret_manifest,
)
from fabgitops.seal.secret import PlainSecret, plain_secret_manifest, token_manifest
from fabgitops.seal.sops import ENCRYPTED_REGEX, SOPS_FORMAT_VERSION, check_recipients
from fabgitops.seal.sops import sops_secret_file as _sops_file
from fabgitops.tree import FileTree, ReadOnlyTree, manifest_file


@dataclass(frozen=True)
class SealedSecretsMethod:
    """Seal as Bitnami SealedSecrets for ``certificate`` with ``scope`` (the default method)."""

    certificate: SealingCertificate
    scope: Scope = Scope.STRICT


@dataclass(frozen=True)
class SopsMethod:
    """Encrypt as SOPS files for these age recipients (Flux decrypts them)."""

    recipients: tuple[str, ...]


@dataclass(frozen=True)
class PlainMethod:
    """Write plain Secret manifests: only on explicit request; the caller prints the warning."""


SealMethod = SealedSecretsMethod | SopsMethod | PlainMethod


@dataclass(frozen=True)
class SealResult:
    """The stage's output.

    Attributes:
        files: one generated file per input secret, keyed by its path.
        index: the index to store for the next run (entries for exactly these files).
        resealed: paths whose file has new ciphertext (wholly or in part), in input order.
    """

    files: FileTree
    index: idx.SealIndex
    resealed: tuple[str, ...]
    facts: frozenset[str] = frozenset()
    """Memo facts that hold for these files (``keystore.memo``)."""


def seal_secrets(secrets: Sequence[PlainSecret], method: SealMethod, *, current: ReadOnlyTree,
                 previous: idx.SealIndex, index_key: bytes, random: RandomBytes,
                 now: datetime, known: frozenset[str] = frozenset()) -> SealResult:
    """Seal every secret, reusing existing ciphertext whose inputs did not change.

    Args:
        secrets: the desired secrets (paths must be unique).
        method: how to seal (SealedSecrets, SOPS, or plain).
        current: the current output tree; previously sealed files are at the same paths.
        previous: the index of the previous run (``SealIndex()`` on a first run; an empty index
            re-seals everything).
        index_key: the 32-byte secret HMAC key of the index.
        random: injected randomness (``os.urandom`` in production).
        now: injected clock (SOPS ``lastmodified``).
        known: the memo's facts: secrets whose fingerprint is known without decrypting.

    Returns:
        The files, the new index, the list of re-sealed paths and the facts to remember.

    Raises:
        EnvironmentProblem: invalid SOPS recipients or index key.
    """
    paths = [s.path for s in secrets]
    if len(set(paths)) != len(paths):
        raise ValueError("two secrets share an output path")
    if isinstance(method, SopsMethod):
        method = SopsMethod(check_recipients(method.recipients))
    sealed: dict[str, tuple[bytes, idx.IndexEntry, bool]] = {}
    drafts: list[_Draft] = []
    facts: set[str] = set()
    for secret in secrets:
        prior = previous.files.get(secret.path)
        existing = current.get(secret.path)
        if prior is not None and (existing is None or not idx.same(prior.sha256,
                                                                   idx.file_sha256(existing))):
            prior = None  # edited, replaced or deleted since we wrote it: trust nothing in it
        if isinstance(method, PlainMethod):
            continue
        target = _target(method)
        tokens = token_manifest(secret)
        if tokens is not None and prior is not None and existing is not None \
                and prior.method == _method_name(method):
            fact = _token_fact(index_key, secret, tokens, target, prior.fingerprint)
            if fact in known:  # the plaintext fingerprint is the recorded one: reuse as is
                sealed[secret.path] = existing, prior, False
                facts.add(fact)
                continue
        if isinstance(method, SopsMethod):
            sealed[secret.path] = _sops(secret, method, target, prior, existing, index_key,
                                        random, now)
            fingerprint = sealed[secret.path][1].fingerprint
        else:
            drafts.append(_draft(secret, method, target, prior, existing, index_key, random))
            fingerprint = drafts[-1].fingerprint
        if tokens is not None:
            facts.add(_token_fact(index_key, secret, tokens, target, fingerprint))
    if isinstance(method, SealedSecretsMethod):
        sealed.update(_finish(drafts, method))
    if isinstance(method, PlainMethod):
        files = {s.path: manifest_file(plain_secret_manifest(s)) for s in secrets}
        return SealResult(files, idx.SealIndex({}), ())
    files = {s.path: sealed[s.path][0] for s in secrets}
    entries = {s.path: sealed[s.path][1] for s in secrets}
    resealed = [s.path for s in secrets if sealed[s.path][2]]
    return SealResult(files, idx.SealIndex(entries), tuple(resealed), frozenset(facts))


def _method_name(method: SopsMethod | SealedSecretsMethod) -> str:
    return "sops" if isinstance(method, SopsMethod) else "sealed-secrets"


def _target(method: SopsMethod | SealedSecretsMethod) -> bytes:
    """What a sealed file is bound to besides its plaintext: the method and its keys."""
    if isinstance(method, SopsMethod):
        return "\0".join(["sops", SOPS_FORMAT_VERSION, ENCRYPTED_REGEX,
                           *sorted(method.recipients)]).encode()
    return "\0".join(["sealed-secrets", method.certificate.fingerprint,
                       method.scope.value]).encode()


def _token_fact(key: bytes, secret: PlainSecret, tokens: dict[str, Any], target: bytes,
                fingerprint: str) -> str:
    """The memo fact "this token manifest has this plaintext fingerprint" (under the index
    key, so a new index key, or another one's memo, never matches)."""
    plain = json.dumps(tokens, sort_keys=True, separators=(",", ":"))
    return memo.fact(key, b"seal", target, secret.path.encode(), plain.encode(),
                     fingerprint.encode())


def _secret_fingerprint(key: bytes, secret: PlainSecret, target: bytes) -> str:
    """Keyed fingerprint of everything that goes into a secret's file, plus the sealing target."""
    plain = json.dumps(plain_secret_manifest(secret), sort_keys=True, separators=(",", ":"))
    return idx.keyed_fingerprint(key, b"file", target, secret.path.encode(), plain.encode())


def _sops(secret: PlainSecret, method: SopsMethod, target: bytes, prior: idx.IndexEntry | None,
          existing: bytes | None, key: bytes, random: RandomBytes, now: datetime,
          ) -> tuple[bytes, idx.IndexEntry, bool]:
    fingerprint = _secret_fingerprint(key, secret, target)
    if prior is not None and existing is not None and prior.method == "sops" \
            and idx.same(prior.fingerprint, fingerprint):
        return existing, prior, False
    content = _sops_file(secret, recipients=method.recipients, random=random, now=now)
    return content, idx.IndexEntry("sops", fingerprint, idx.file_sha256(content)), True


@dataclass(frozen=True)
class _Draft:
    """A SealedSecret before its new values are encrypted (see ``seal.batch``)."""

    secret: PlainSecret
    fingerprint: str
    values: dict[str, str]
    """Each value's keyed fingerprint (the index entry's)."""
    encrypted: dict[str, str | Job]
    """Each value's ciphertext: reused, or the job that makes it."""
    reused: bytes | None
    """The file as it is, when nothing in it changed."""
    prior: idx.IndexEntry | None


def _draft(secret: PlainSecret, method: SealedSecretsMethod, target: bytes,
           prior: idx.IndexEntry | None, existing: bytes | None, key: bytes,
           random: RandomBytes) -> _Draft:
    fingerprint = _secret_fingerprint(key, secret, target)
    if prior is not None and existing is not None and prior.method == "sealed-secrets" \
            and idx.same(prior.fingerprint, fingerprint):
        return _Draft(secret, fingerprint, {}, {}, existing, prior)
    old = _encrypted_data(existing) if prior is not None and prior.method == "sealed-secrets" \
        else {}
    label = encryption_label(secret.namespace, secret.name, method.scope)
    encrypted: dict[str, str | Job] = {}
    values: dict[str, str] = {}
    for name, value in sorted(secret.data.items()):
        # The label already binds namespace and name (strict scope); they are bound here for
        # every scope so that a renamed secret never inherits another one's ciphertext.
        values[name] = idx.keyed_fingerprint(
            key, b"value", target, secret.namespace.encode(), secret.name.encode(),
            name.encode(), reveal(value))
        reusable = old.get(name)
        if reusable is not None and prior is not None \
                and idx.same(prior.values.get(name), values[name]):
            encrypted[name] = reusable
        else:
            encrypted[name] = job(reveal(value), label, random)
    return _Draft(secret, fingerprint, values, encrypted, None, None)


def _finish(drafts: Sequence[_Draft], method: SealedSecretsMethod
            ) -> dict[str, tuple[bytes, idx.IndexEntry, bool]]:
    """Encrypt every draft's new values at once, then write each SealedSecret."""
    jobs = [v for d in drafts for v in d.encrypted.values() if isinstance(v, Job)]
    ciphertexts = iter(seal_jobs(method.certificate, jobs))
    out: dict[str, tuple[bytes, idx.IndexEntry, bool]] = {}
    for draft in drafts:
        if draft.reused is not None:
            assert draft.prior is not None
            out[draft.secret.path] = draft.reused, draft.prior, False
            continue
        encrypted = {name: next(ciphertexts) if isinstance(value, Job) else value
                     for name, value in draft.encrypted.items()}
        content = manifest_file(sealed_secret_manifest(draft.secret, encrypted, method.scope))
        entry = idx.IndexEntry("sealed-secrets", draft.fingerprint, idx.file_sha256(content),
                               draft.values)
        out[draft.secret.path] = content, entry, any(isinstance(v, Job)
                                                     for v in draft.encrypted.values())
    return out


def _encrypted_data(content: bytes | None) -> Mapping[str, str]:
    """``spec.encryptedData`` of a SealedSecret file we wrote, or nothing if it is not one."""
    if content is None:
        return {}
    try:
        document = yamlio.load_plain(content.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return {}
    spec = document.get("spec") if isinstance(document, dict) else None
    data = spec.get("encryptedData") if isinstance(spec, dict) else None
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
