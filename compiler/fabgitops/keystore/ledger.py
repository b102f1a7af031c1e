"""The keystore of the last compile in, the keystore of this compile out.

The crypto stage asks the ledger for each file it needs (a certificate, a sealed key) and tells
it what to keep, replace or add. Everything of the previous keystore that was not kept is
*retired*: moved to ``retired/<same path>``, never deleted. Kept ciphertexts are carried over
byte for byte (age encryption is randomized, so re-encrypting would change every file on every
compile), unless the recipient set changed.

Paths here are relative to the keystore root; :func:`finish` adds ``.fabgitops/keystore/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fabgitops.keystore.sealing import RECIPIENTS_FILE, Sealer, recipients_file
from fabgitops.keystore.value import KeystoreSecret
from fabgitops.layout import KEYSTORE_DIR
from fabgitops.tree import FileTree

RETIRED_DIR = "retired"
SECRET_SUFFIX = ".age"
MANAGED_ROOTS = ("peerOrganizations/", "ordererOrganizations/", "credentials/")
"""Top-level folders the crypto stage owns; other files (a README) are carried over untouched."""


def keystore_part(tree: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of ``tree`` under ``.fabgitops/keystore/``, relative to it."""
    prefix = KEYSTORE_DIR + "/"
    return {path[len(prefix):]: data for path, data in tree.items() if path.startswith(prefix)}


def keystore_exists(tree: Mapping[str, bytes]) -> bool:
    """Whether ``tree`` (an output repository) holds encrypted keystore files."""
    return any(path.endswith(SECRET_SUFFIX) for path in keystore_part(tree))


def recorded_recipients(tree: Mapping[str, bytes]) -> bytes | None:
    """The previous ``recipients.txt``, if any."""
    return keystore_part(tree).get(RECIPIENTS_FILE)


@dataclass(frozen=True)
class Outcome:
    """The next keystore (paths from the output root) and what happened to old files."""

    tree: FileTree
    retired: tuple[str, ...]
    """Keystore-relative paths moved to ``retired/`` by this compile."""
    restored: tuple[str, ...]
    """Paths brought back from ``retired/`` (a removed identity came back)."""


@dataclass(frozen=True)
class Entries:
    """What a ledger has written so far: the files, their secrets, the restored paths."""

    files: dict[str, bytes]
    secrets: dict[str, KeystoreSecret]
    restored: frozenset[str]


class Ledger:
    """Bookkeeping of one compile's keystore (mutable, local to one ``issue`` call)."""

    def __init__(self, previous: Mapping[str, bytes], sealer: Sealer) -> None:
        """Start from ``previous``, the keystore files relative to the keystore root."""
        retired_prefix = RETIRED_DIR + "/"
        self._sealer = sealer
        self._active = {
            p: d for p, d in previous.items()
            if not p.startswith(retired_prefix) and p != RECIPIENTS_FILE
        }
        self._retired = {
            p[len(retired_prefix):]: d for p, d in previous.items()
            if p.startswith(retired_prefix)
        }
        self._out: dict[str, bytes] = {}
        self._secrets: dict[str, KeystoreSecret] = {}
        self._restored: set[str] = set()

    def _lookup(self, path: str) -> bytes | None:
        found = self._active.get(path)
        return found if found is not None else self._retired.get(path)

    def certificate(self, path: str) -> bytes | None:
        """The previous content at ``path`` (or ``retired/path``), if any."""
        return self._lookup(path)

    def secret(self, path: str) -> KeystoreSecret | None:
        """The previous secret at ``path`` (or ``retired/path``), if any, still encrypted: its
        :meth:`~KeystoreSecret.reveal` decrypts it (the same object for every call)."""
        found = self._secrets.get(path)
        if found is not None:
            return found
        sealed = self._lookup(path)
        if sealed is None:
            return None
        found = KeystoreSecret(f"{KEYSTORE_DIR}/{path}", sealed, self._sealer.open)
        self._secrets[path] = found
        return found

    def keep(self, path: str) -> None:
        """Carry the previous file at ``path`` into the next keystore (restoring it from
        ``retired/`` if that is where it was)."""
        data = self._lookup(path)
        if data is None:
            raise KeyError(path)
        if path not in self._active:
            self._restored.add(path)
        if path.endswith(SECRET_SUFFIX) and self._sealer.reencrypt:
            secret = self.secret(path)
            assert secret is not None
            data = self._sealer.seal(secret.reveal())
        self._out[path] = data

    def put(self, path: str, content: bytes) -> None:
        """Write a public file (a certificate) at ``path``."""
        self._out[path] = content

    def put_secret(self, path: str, plaintext: bytes) -> KeystoreSecret:
        """Encrypt ``plaintext`` to the recipients and write it at ``path``."""
        sealed = self._sealer.seal(plaintext)
        self._out[path] = sealed
        self._secrets[path] = KeystoreSecret(f"{KEYSTORE_DIR}/{path}", sealed, plain=plaintext)
        return self._secrets[path]

    def entries(self) -> Entries:
        """Everything written so far (a parallel share of the orgs sends it back)."""
        return Entries(dict(self._out), dict(self._secrets), frozenset(self._restored))

    def absorb(self, entries: Entries) -> None:
        """Add what a copy of this ledger wrote for other paths (a share of the orgs)."""
        for path, content in entries.files.items():
            self._out.setdefault(path, content)
        for path, secret in entries.secrets.items():
            self._secrets.setdefault(path, secret)
        self._restored |= entries.restored

    def rewind(self, entries: Entries) -> None:
        """Forget everything written since ``entries`` were taken (work to be done again)."""
        self._out = dict(entries.files)
        self._secrets = dict(entries.secrets)
        self._restored = set(entries.restored)

    def finish(self) -> Outcome:
        """The next keystore: kept and new files, the retired ones, ``recipients.txt``."""
        retired = {p: d for p, d in self._retired.items() if p not in self._restored}
        moved = []
        out: dict[str, bytes] = {}
        for path, data in self._active.items():
            if path in self._out:
                continue
            if not path.startswith(MANAGED_ROOTS):
                out[path] = data
                continue
            moved.append(path)
            target = path
            counter = 1
            while target in retired and retired[target] != data:
                # An older retired copy sits there (the identity was retired before, then
                # re-created from scratch): keep both.
                target, counter = f"{path}.{counter}", counter + 1
            retired[target] = data
        if self._sealer.reencrypt:
            retired = {p: self._reseal(p, d) for p, d in retired.items()}
        out.update(self._out)
        out.update({f"{RETIRED_DIR}/{p}": d for p, d in retired.items()})
        out[RECIPIENTS_FILE] = recipients_file(self._sealer.recipients)
        tree = {f"{KEYSTORE_DIR}/{p}": out[p] for p in sorted(out)}
        return Outcome(tree, tuple(sorted(moved)), tuple(sorted(self._restored)))

    def _reseal(self, path: str, data: bytes) -> bytes:
        if SECRET_SUFFIX not in path.rsplit("/", 1)[-1]:
            return data
        plain = self._sealer.open(f"{KEYSTORE_DIR}/{RETIRED_DIR}/{path}", data)
        return self._sealer.seal(plain)
