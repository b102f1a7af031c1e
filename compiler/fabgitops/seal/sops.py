"""In-process SOPS encryption (age recipients) of one Secret manifest per file.

The output is what ``sops --encrypt --age R1,R2 --encrypted-regex '^(data|stringData)$'
--mac-only-encrypted`` (3.11) writes, up to YAML layout. Facts from getsops/sops at v3.11.0:

- ``sops.go``: ``Tree.Encrypt`` walks the document in order; a value is encrypted when any key
  of its path matches ``encrypted_regex`` (``shouldBeEncrypted``, unanchored ``regexp.Match``);
  the MAC is SHA-512, seeded with ``MACOnlyEncryptedInitialization`` and fed each encrypted
  value's plaintext (``ToBytes``) when ``mac_only_encrypted``; it is written as upper-case hex.
- ``aes/cipher.go``: ``Cipher.Encrypt``: AES-256-GCM, 32-byte random IV, AAD = the key path
  joined by ``:`` plus a trailing ``:``, ``ENC[AES256_GCM,data:..,iv:..,tag:..,type:str]``,
  and an empty string stays ``""``.
- ``cmd/sops/common/common.go``: ``EncryptTree``: ``lastmodified`` = now in UTC, and the MAC is
  itself encrypted with AAD = ``lastmodified`` in RFC 3339.
- ``age/keysource.go``: ``MasterKey.Encrypt``: the raw 32-byte data key, age-encrypted to one
  recipient per stanza, ASCII armored.
- ``stores/stores.go``: the ``Metadata`` struct (``age``, ``lastmodified``, ``mac``,
  ``encrypted_regex``, ``mac_only_encrypted``, ``version``).

With ``mac_only_encrypted`` the MAC covers only the ``data`` values, in the order of their
keys, which the manifest writer (yamlio) and Kustomize's output both keep sorted: the file
still decrypts after Kustomize edits metadata or moves the top-level keys.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pyrage
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fabgitops import yamlio
from fabgitops.age import parse_recipient
from fabgitops.ports import RandomBytes
from fabgitops.seal.secret import (
    PlainSecret,
    plain_secret_manifest,
    take,
)
from fabgitops.tree import generated_yaml, manifest_file

ENCRYPTED_REGEX = "^(data|stringData)$"
SOPS_FORMAT_VERSION = "3.11.0"
"""The sops release whose format this module writes and whose binary the tests decrypt with."""
DATA_KEY_BYTES = 32
IV_BYTES = 32
"""``nonceSize`` in aes/cipher.go: SOPS uses 32-byte GCM IVs, not the usual 12."""
MAC_ONLY_ENCRYPTED_INIT = bytes.fromhex(
    "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69")
"""``MACOnlyEncryptedInitialization`` in sops.go."""
_ENCRYPTED = re.compile(ENCRYPTED_REGEX)


def check_recipients(recipients: Iterable[str]) -> tuple[str, ...]:
    """The recipients without duplicates, in order, each parsed by the one recipient rule
    (``fabgitops.age``; validation reported any bad one at its line).

    Raises:
        ValueError: no recipient, or one that is not an age recipient (a bug once validated).
    """
    out = tuple(dict.fromkeys(r.strip() for r in recipients))
    for recipient in out:
        parse_recipient(recipient)
    if not out:
        raise ValueError("SOPS encryption needs at least one age recipient")
    return out


def encrypt_value(plaintext: str, key: bytes, aad: str, random: RandomBytes) -> str:
    """``Cipher.Encrypt`` of aes/cipher.go for a string value."""
    if plaintext == "":
        return ""
    iv = take(random, IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, plaintext.encode(), aad.encode())
    data, tag = sealed[:-16], sealed[-16:]
    return f"ENC[AES256_GCM,data:{_b64(data)},iv:{_b64(iv)},tag:{_b64(tag)},type:str]"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _walk(node: Any, path: tuple[str, ...], leaf: Callable[[Any, tuple[str, ...]], Any]) -> Any:
    """Rebuild ``node`` in document order (sorted keys, as written), mapping every leaf.

    List items share their parent's path, as in sops' ``walkSlice``.
    """
    if isinstance(node, Mapping):
        return {key: _walk(node[key], (*path, key), leaf) for key in sorted(node)}
    if isinstance(node, list):
        return [_walk(item, path, leaf) for item in node]
    return leaf(node, path)


def encrypt_manifest(manifest: Mapping[str, Any], *, recipients: Sequence[str],
                     random: RandomBytes, now: datetime) -> dict[str, Any]:
    """Encrypt ``manifest`` as sops does, returning it with its ``sops`` metadata block.

    Args:
        manifest: one Kubernetes object; every value under ``data``/``stringData`` a string.
        recipients: age recipients, one stanza each, checked by :func:`check_recipients`.
        random: injected randomness for the data key and the IVs (age draws its own ephemeral
            keys from the OS: pyrage cannot take a random source).
        now: the injected clock, written as ``lastmodified``.
    """
    if "sops" in manifest:
        raise ValueError("the manifest is already SOPS-encrypted")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    recipients = check_recipients(recipients)
    data_key = take(random, DATA_KEY_BYTES)
    mac = hashlib.sha512(MAC_ONLY_ENCRYPTED_INIT)

    def leaf(value: Any, path: tuple[str, ...]) -> Any:
        if not any(_ENCRYPTED.search(part) for part in path):
            return value
        if not isinstance(value, str):
            raise ValueError(f"value at {':'.join(path)} is not a string; Kubernetes needs one")
        mac.update(value.encode())
        return encrypt_value(value, data_key, ":".join(path) + ":", random)

    encrypted: dict[str, Any] = _walk(manifest, (), leaf)
    lastmodified = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    encrypted["sops"] = {
        "age": [{"recipient": r, "enc": _age_armored(data_key, r)} for r in recipients],
        "encrypted_regex": ENCRYPTED_REGEX,
        "lastmodified": lastmodified,
        "mac": encrypt_value(mac.hexdigest().upper(), data_key, lastmodified, random),
        "mac_only_encrypted": True,
        "version": SOPS_FORMAT_VERSION,
    }
    return encrypted


def _age_armored(data_key: bytes, recipient: str) -> str:
    parsed = parse_recipient(recipient)
    armored: bytes = pyrage.encrypt(data_key, [parsed], armored=True)
    return armored.decode()


def sops_secret_file(secret: PlainSecret, *, recipients: Sequence[str], random: RandomBytes,
                     now: datetime) -> bytes:
    """The generated, SOPS-encrypted file of one Secret (``data`` values encrypted as base64)."""
    manifest = plain_secret_manifest(secret)
    return manifest_file(encrypt_manifest(manifest, recipients=recipients, random=random, now=now))


def secret_path_regex(paths: Iterable[str]) -> str:
    """A ``path_regex`` matching the YAML files in the directories of ``paths``.

    sops makes the file path absolute and strips the ``.sops.yaml`` directory before matching
    (``parseCreationRuleForFile`` in config/config.go), but other subcommands match the path as
    given: ``(^|/)`` covers both. RE2 (Go) accepts the escapes ``re.escape`` writes for paths.
    """
    directories = sorted({path.rpartition("/")[0] for path in paths})
    if not directories or "" in directories:
        raise ValueError("secret files must live in a directory below the repository root")
    alternatives = "|".join(re.escape(d) for d in directories)
    return rf"(^|/)({alternatives})/[^/]+\.ya?ml$"


def sops_config(recipients: Sequence[str], path_regex: str) -> bytes:
    """The generated ``.sops.yaml`` so that ``sops edit``/``updatekeys`` use the same rules.

    ``age`` is written as one comma-separated string, the form every sops 3.x reads (a list
    is only accepted by recent releases).
    """
    rule = {
        "path_regex": path_regex,
        "encrypted_regex": ENCRYPTED_REGEX,
        "mac_only_encrypted": True,
        "age": ",".join(check_recipients(recipients)),
    }
    return generated_yaml(yamlio.dump({"creation_rules": [rule]}))
