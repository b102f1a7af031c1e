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
from fabgitops.seal.sealed_secrets import (
    Scope,
    SealingCertificate,
    encryption_label,
    seal_value,
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
    files: FileTree = {}
    entries: dict[str, idx.IndexEntry] = {}
    resealed: list[str] = []
    facts: set[str] = set()
    for secret in secrets:
        prior = previous.files.get(secret.path)
        existing = current.get(secret.path)
        if prior is not None and (existing is None or not idx.same(prior.sha256,
                                                                   idx.file_sha256(existing))):
            prior = None  # edited, replaced or deleted since we wrote it: trust nothing in it
        if isinstance(method, PlainMethod):
            files[secret.path] = manifest_file(plain_secret_manifest(secret))
            continue
        target = _target(method)
        tokens = token_manifest(secret)
        if tokens is not None and prior is not None and existing is not None \
                and prior.method == _method_name(method):
            fact = _token_fact(index_key, secret, tokens, target, prior.fingerprint)
            if fact in known:  # the plaintext fingerprint is the recorded one: reuse as is
                files[secret.path], entries[secret.path] = existing, prior
                facts.add(fact)
                continue
        if isinstance(method, SopsMethod):
            content, entry, fresh = _sops(secret, method, target, prior, existing, index_key,
                                          random, now)
        else:
            content, entry, fresh = _sealed(secret, method, target, prior, existing, index_key,
                                            random)
        files[secret.path] = content
        entries[secret.path] = entry
        if tokens is not None:
            facts.add(_token_fact(index_key, secret, tokens, target, entry.fingerprint))
        if fresh:
            resealed.append(secret.path)
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


def _sealed(secret: PlainSecret, method: SealedSecretsMethod, target: bytes,
            prior: idx.IndexEntry | None, existing: bytes | None, key: bytes,
            random: RandomBytes) -> tuple[bytes, idx.IndexEntry, bool]:
    cert, scope = method.certificate, method.scope
    fingerprint = _secret_fingerprint(key, secret, target)
    if prior is not None and existing is not None and prior.method == "sealed-secrets" \
            and idx.same(prior.fingerprint, fingerprint):
        return existing, prior, False
    old = _encrypted_data(existing) if prior is not None and prior.method == "sealed-secrets" \
        else {}
    label = encryption_label(secret.namespace, secret.name, scope)
    encrypted: dict[str, str] = {}
    values: dict[str, str] = {}
    fresh = False
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
            encrypted[name] = seal_value(cert, reveal(value), label, random)
            fresh = True
    content = manifest_file(sealed_secret_manifest(secret, encrypted, scope))
    return content, idx.IndexEntry("sealed-secrets", fingerprint, idx.file_sha256(content),
                                   values), fresh


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
