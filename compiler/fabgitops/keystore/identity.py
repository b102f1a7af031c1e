"""Which age identity decrypts the keystore: resolution, and the local identity created once.

Order (explicit beats implicit): ``--age-identity FILE``, then ``FABGITOPS_AGE_IDENTITY`` (the
identity text itself, for CI secrets), then the user's local identity in
``$XDG_CONFIG_HOME/fabgitops/age-identity.txt`` (``~/.config/...`` by default), which is
generated on first use unless a keystore already exists (a new identity could not open it, and
generating new CAs instead would silently fork the network).

Resolving only reads: a generated identity is held in memory with the file it belongs in, and
only a writing compile persists it (:func:`persist_identity`), so that ``--check``, ``diff`` and
``--dry-run`` leave the home directory untouched. Everything the resolver needs (environment,
paths) is passed in, so tests never see the real home directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519

from fabgitops.errors import EnvironmentProblem
from fabgitops.notes import Note

ENV_IDENTITY = "FABGITOPS_AGE_IDENTITY"
IDENTITY_FILE_NAME = "age-identity.txt"
_SECRET_PREFIX = "AGE-SECRET-KEY-1"


@dataclass(frozen=True)
class AgeIdentity:
    """One or more age X25519 identities and where they came from (for messages)."""

    secret_keys: tuple[str, ...]
    source: str

    @classmethod
    def parse(cls, text: str, source: str) -> AgeIdentity:
        """Read an age identity file's text (``#`` comments and blank lines ignored).

        Raises:
            EnvironmentProblem: no valid ``AGE-SECRET-KEY-1...`` line.
        """
        keys = tuple(
            line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")
        )
        if not keys:
            raise EnvironmentProblem(f"{source} contains no age identity (AGE-SECRET-KEY-1...)")
        for key in keys:
            if not key.upper().startswith(_SECRET_PREFIX):
                raise EnvironmentProblem(
                    f"{source}: only age X25519 identities (AGE-SECRET-KEY-1...) are supported"
                )
            try:
                x25519.Identity.from_str(key)
            except Exception as exc:  # pyrage raises its own IdentityError/ValueError
                raise EnvironmentProblem(f"{source}: invalid age identity ({exc})") from None
        return cls(keys, source)

    @classmethod
    def generate(cls, source: str = "a new identity") -> AgeIdentity:
        """A fresh random X25519 identity."""
        return cls((str(x25519.Identity.generate()),), source)

    @cached_property
    def _identities(self) -> list[Any]:
        return [x25519.Identity.from_str(k) for k in self.secret_keys]

    def __getstate__(self) -> dict[str, Any]:
        # pyrage's objects do not pickle (a parallel worker sends back keystore secrets, which
        # refer to their opener); they are parsed again from the key text on first use.
        return {k: v for k, v in self.__dict__.items() if k != "_identities"}

    @property
    def recipients(self) -> tuple[str, ...]:
        """The public ``age1...`` recipient of each identity."""
        return tuple(str(i.to_public()) for i in self._identities)

    def decrypt(self, ciphertext: bytes) -> bytes:
        """Decrypt an age file.

        Raises:
            pyrage.DecryptError: none of the identities is a recipient, or the file is damaged.
        """
        return bytes(pyrage.decrypt(ciphertext, self._identities))

    def __repr__(self) -> str:
        return f"AgeIdentity(recipients={self.recipients!r}, source={self.source!r})"


@dataclass(frozen=True)
class ResolvedIdentity:
    """The identity to use; ``new_file`` is where a just generated one belongs (not yet written)."""

    identity: AgeIdentity
    new_file: Path | None = None


def config_dir(env: Mapping[str, str], home: Path) -> Path:
    """``$XDG_CONFIG_HOME/fabgitops``, or ``<home>/.config/fabgitops`` (XDG base dir spec)."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"
    return base / "fabgitops"


def _read(path: Path, what: str) -> AgeIdentity:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EnvironmentProblem(f"cannot read the age identity {what} {path}: "
                                 f"{exc.strerror}") from None
    return AgeIdentity.parse(text, f"{what} {path}")


def resolve_identity(
    env: Mapping[str, str],
    *,
    identity_file: Path | None,
    config_directory: Path,
    keystore_exists: bool,
) -> ResolvedIdentity:
    """Find the age identity to open (and seal) the keystore with.

    Args:
        env: the process environment (``FABGITOPS_AGE_IDENTITY``).
        identity_file: the ``--age-identity FILE`` option, if given.
        config_directory: the user's fabgitops config directory (see :func:`config_dir`).
        keystore_exists: the output repository already holds encrypted keys.

    Returns:
        The identity; a generated one (first use) carries the file it belongs in, written
        only by :func:`persist_identity`.

    Raises:
        EnvironmentProblem: an identity file is unreadable or invalid, or a keystore exists and
            no identity is available (never silently replaced by a new one).
    """
    if identity_file is not None:
        return ResolvedIdentity(_read(identity_file, "--age-identity file"))
    text = env.get(ENV_IDENTITY, "")
    if text.strip():
        return ResolvedIdentity(AgeIdentity.parse(text, f"${ENV_IDENTITY}"))
    local = config_directory / IDENTITY_FILE_NAME
    if local.exists():
        return ResolvedIdentity(_read(local, "local identity"))
    if keystore_exists:
        raise EnvironmentProblem(
            "the keystore .fabgitops/keystore holds encrypted keys but no age identity is "
            f"available: set {ENV_IDENTITY} to the identity text, pass --age-identity FILE, "
            f"or restore your local identity to {local}. New CAs are never generated in place "
            "of keys that cannot be read."
        )
    return ResolvedIdentity(AgeIdentity.generate(f"local identity {local}"), new_file=local)


def persist_identity(resolved: ResolvedIdentity) -> Note | None:
    """Write a just generated identity to its file (mode 0600), and say how to back it up.

    Returns:
        The note for the user, or None when the identity was not new.

    Raises:
        EnvironmentProblem: the file cannot be created (or appeared meanwhile).
    """
    if resolved.new_file is None:
        return None
    _create_private_file(resolved.new_file, _identity_file_text(resolved.identity))
    return Note.info(
        f"Created a new age identity in {resolved.new_file} (mode 0600). It is the only way to "
        "decrypt this network's private keys: back it up now (e.g. in a password manager) and "
        "keep it out of git. To let others or CI decrypt the keystore, list recipients in the "
        f"cluster-config:\n  Keystore:\n    AgeRecipients:\n      - "
        f"{resolved.identity.recipients[0]}\nCI can pass the identity text in {ENV_IDENTITY}."
    )


def unsaved_identity_note(resolved: ResolvedIdentity) -> Note | None:
    """What a run that writes nothing says about an identity it generated and did not keep."""
    if resolved.new_file is None:
        return None
    return Note.info(
        "no age identity yet: this run used a temporary one and kept nothing; a writing "
        f"compile creates {resolved.new_file} (the keystore in the output is encrypted to it)"
    )


def _identity_file_text(identity: AgeIdentity) -> str:
    # The layout age-keygen writes, so the file also works with the age CLI.
    return (
        "# created by fabgitops: decrypts .fabgitops/keystore; back it up, never commit it\n"
        f"# public key: {identity.recipients[0]}\n"
        f"{identity.secret_keys[0]}\n"
    )


def _create_private_file(path: Path, text: str) -> None:
    """Create ``path`` with mode 0600 (parents 0700), failing if it appeared meanwhile."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise EnvironmentProblem(f"cannot create the age identity {path}: {exc.strerror}") from None
