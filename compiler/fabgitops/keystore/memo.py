"""A local memo of decisions that would otherwise decrypt keystore secrets (issue 14).

Adding one peer must not decrypt every key of the network. Two decisions of a compile read
private keys although their outcome rarely changes:

- the crypto stage checks that each kept certificate belongs to its key (and is still what the
  configuration asks for);
- the seal stage reuses a sealed Secret when the keyed fingerprint of its plaintext is the one
  in the seal index.

Both are deterministic functions of their inputs, and a secret's ciphertext determines its
plaintext (age decryption is deterministic; a kept key keeps its ciphertext byte for byte). So a
decision taken once on the plaintext can be remembered under the ciphertexts' tokens
(:mod:`fabgitops.keystore.value`) and answered again without decrypting.

The memo is a set of *facts*, each an HMAC-SHA256 over one decision's inputs and outcome, keyed
by a secret (the seal index key for the seal stage, a key derived from the age identity for the
crypto stage). It lives in the user's cache directory beside the no-op record
(:mod:`fabgitops.output.fingerprint`), never in the output, and is keyed by the network rather
than by the output directory (by the ciphertext of the keystore's seal index key), so a copy or
a fresh clone of the output finds it too. It holds nothing secret: HMACs of public data and of
fingerprints that the committed seal index already holds. A fact matches only what its key
holder computed, so a damaged, foreign or stale memo only costs decryptions, never a wrong
output; another identity (another key) simply finds nothing. Only a writing compile stores it
(the facts of that compile, so it does not grow); read-only commands only read it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fabgitops.keystore.credentials import SEAL_INDEX_KEY, credential_path
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.layout import KEYSTORE_PREFIX
from fabgitops.output.fingerprint import cache_dir

FORMAT = "fabgitops-reveal-memo"
VERSION = 1
_DOMAIN = b"fabgitops/memo/v1"
_FACT = re.compile(r"^[0-9a-f]{64}$")


def identity_key(identity: AgeIdentity) -> bytes:
    """The crypto stage's memo key: derived from the age identity, never stored."""
    secret = "\n".join(identity.secret_keys).encode()
    return hmac.new(_DOMAIN + b"/identity", secret, hashlib.sha256).digest()


def fact(key: bytes, kind: bytes, *fields: bytes) -> str:
    """The fact ``kind(fields)`` under ``key``: HMAC-SHA256 over length-prefixed fields."""
    mac = hmac.new(key, _DOMAIN, hashlib.sha256)
    for item in (kind, *fields):
        mac.update(len(item).to_bytes(8, "big"))
        mac.update(item)
    return mac.hexdigest()


def cache_file(environ: Mapping[str, str], home: Path, tree: Mapping[str, bytes]
               ) -> Path | None:
    """Where the memo of the network whose output is ``tree`` lives (XDG cache directory), None
    before its keystore has a seal index key (a first compile: nothing to remember yet)."""
    sealed = tree.get(f"{KEYSTORE_PREFIX}{credential_path(SEAL_INDEX_KEY)}")
    if sealed is None:
        return None
    name = hashlib.sha256(sealed).hexdigest()[:32]
    return cache_dir(environ, home) / "memo" / f"{name}.json"


def loads(data: bytes) -> frozenset[str]:
    """The facts of a memo; none when it is not one this version wrote."""
    try:
        raw: Any = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            return frozenset()
        return frozenset(f for f in raw["facts"] if isinstance(f, str) and _FACT.match(f))
    except (ValueError, TypeError, KeyError, AttributeError):
        return frozenset()


def dumps(facts: Iterable[str]) -> bytes:
    """The memo file for ``facts``."""
    return json.dumps({"format": FORMAT, "version": VERSION, "facts": sorted(set(facts))},
                      separators=(",", ":")).encode()


def read(path: Path | None) -> frozenset[str]:
    """The facts at ``path``; none when absent, unreadable or foreign."""
    if path is None:
        return frozenset()
    try:
        return loads(path.read_bytes())
    except OSError:
        return frozenset()


def write(path: Path | None, facts: Iterable[str]) -> None:
    """Store ``facts`` (a cache: a failure to write only costs the next run decryptions)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(dumps(facts))
        tmp.replace(path)
    except OSError:
        return
