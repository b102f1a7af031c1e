"""The seal index: what lets a recompile keep ciphertext whose plaintext did not change.

Sealing is randomized, so the stage remembers, per output file, keyed fingerprints of what it
sealed. The index is committed (under ``.fabgitops/``), so it must reveal nothing about the
plaintext: every fingerprint is an HMAC-SHA256 under a 32-byte secret key that the caller keeps
encrypted; a plain hash of a low-entropy password could be brute-forced from the repository.

Format (JSON, sorted keys, 2-space indent, LF, one entry per generated file)::

    {
      "files": {
        "overlays/org1/secrets/peer0-tls.yaml": {
          "fingerprint": "<hex HMAC of the whole secret, method and sealing key>",
          "method": "sealed-secrets" | "sops",
          "sha256": "<hex SHA-256 of the file as written (ciphertext only)>",
          "values": {"tls.key": "<hex HMAC of one value in its sealing context>"}
        }
      },
      "format": "fabgitops-seal-index",
      "version": 1
    }

``values`` is only filled for SealedSecrets, whose values are sealed one by one. Plain-mode files
get no entry: their SHA-256 would be a plain hash of the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import SEAL_INDEX

FORMAT = "fabgitops-seal-index"
VERSION = 1
KEY_BYTES = 32
METHODS = frozenset({"sealed-secrets", "sops"})
_DOMAIN = b"fabgitops/seal/v1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class IndexEntry:
    """What the stage knows about one sealed file it wrote."""

    method: str
    fingerprint: str
    sha256: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SealIndex:
    """Index entries by output path; ``SealIndex()`` is the empty index of a first run."""

    files: Mapping[str, IndexEntry] = field(default_factory=dict)


def keyed_fingerprint(key: bytes, *fields: bytes) -> str:
    """HMAC-SHA256 over length-prefixed ``fields`` (so no two field lists collide), as hex."""
    if len(key) != KEY_BYTES:
        raise EnvironmentProblem(f"the seal index key must be {KEY_BYTES} bytes, got {len(key)}")
    mac = hmac.new(key, _DOMAIN, hashlib.sha256)
    for item in fields:
        mac.update(len(item).to_bytes(8, "big"))
        mac.update(item)
    return mac.hexdigest()


def file_sha256(content: bytes) -> str:
    """SHA-256 of a sealed file: detects a file edited or replaced since the stage wrote it."""
    return hashlib.sha256(content).hexdigest()


def same(left: str | None, right: str) -> bool:
    """Constant-time equality of two fingerprints, ``None`` never being equal."""
    return left is not None and hmac.compare_digest(left, right)


def dumps(index: SealIndex) -> bytes:
    """Serialize ``index`` deterministically (sorted keys, trailing newline)."""
    files = {
        path: {
            "fingerprint": entry.fingerprint,
            "method": entry.method,
            "sha256": entry.sha256,
            "values": dict(entry.values),
        }
        for path, entry in index.files.items()
    }
    document = {"files": files, "format": FORMAT, "version": VERSION}
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def loads(content: bytes, *, source: str = SEAL_INDEX) -> SealIndex:
    """Parse an index written by :func:`dumps`.

    Raises:
        EnvironmentProblem: the file is not a valid index (a merge conflict, a hand edit); the
            message says to delete it, which only costs one full re-seal.
    """
    hint = f"; delete {source} to re-seal every secret"
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvironmentProblem(f"{source} is not valid JSON ({exc}){hint}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise EnvironmentProblem(f"{source} is not a fabgitops seal index{hint}")
    if document.get("version") != VERSION:
        raise EnvironmentProblem(f"{source} has index version {document.get('version')!r}, this "
                                 f"fabgitops reads version {VERSION}{hint}")
    files = document.get("files")
    if not isinstance(files, dict):
        raise EnvironmentProblem(f"{source}: 'files' must be an object{hint}")
    entries: dict[str, IndexEntry] = {}
    for path, raw in files.items():
        problem = _entry_problem(raw)
        if problem:
            raise EnvironmentProblem(f"{source}: entry {path!r}: {problem}{hint}")
        entries[path] = IndexEntry(raw["method"], raw["fingerprint"], raw["sha256"],
                                   dict(raw["values"]))
    return SealIndex(entries)


def _entry_problem(raw: Any) -> str | None:
    if not isinstance(raw, dict) or set(raw) != {"fingerprint", "method", "sha256", "values"}:
        return "expected exactly the keys fingerprint, method, sha256, values"
    if raw["method"] not in METHODS:
        return f"unknown method {raw['method']!r}"
    values = raw["values"]
    hexes = [raw["fingerprint"], raw["sha256"]]
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        return "'values' must map data keys to fingerprints"
    hexes.extend(values.values())
    if not all(isinstance(h, str) and _HEX64.match(h) for h in hexes):
        return "fingerprints must be 64 lower-case hex digits"
    return None
