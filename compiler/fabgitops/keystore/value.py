"""Keystore secrets that are decrypted only when something reads them (issue 14).

A private key or credential from the keystore is carried through the pipeline as a
:class:`KeystoreSecret`: its keystore path, its age ciphertext and a public *token* (SHA-256 of
the ciphertext). Age decryption is deterministic, so equal tokens mean equal plaintexts; a stage
that can decide from tokens alone (the seal stage and the crypto stage's checks, through
:mod:`fabgitops.keystore.memo`) never decrypts. :meth:`KeystoreSecret.reveal` decrypts, once.

Maps of crypto files (:class:`RevealingFiles`) hold such values and decrypt on item access, so
code that reads only certificates never decrypts a key next to them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping

Opener = Callable[[str, bytes], bytes]
"""``(keystore path, ciphertext) -> plaintext`` (``Sealer.open``); raises when it cannot."""


class KeystoreSecret:
    """A secret known by its ciphertext; :meth:`reveal` decrypts it (once)."""

    __slots__ = ("_opener", "_plain", "ciphertext", "path", "token")

    def __init__(self, path: str, ciphertext: bytes, opener: Opener | None = None,
                 plain: bytes | None = None) -> None:
        """A secret at keystore ``path``: ``opener`` decrypts ``ciphertext``, or ``plain`` is
        already known (a secret created by this compile)."""
        if opener is None and plain is None:
            raise ValueError(f"{path}: a secret needs an opener or its plaintext")
        self.path = path
        self.ciphertext = ciphertext
        self.token = hashlib.sha256(ciphertext).hexdigest()
        self._opener = opener
        self._plain = plain

    @property
    def revealed(self) -> bool:
        """Whether the plaintext is in memory (decrypted, or created by this compile)."""
        return self._plain is not None

    def reveal(self) -> bytes:
        """The plaintext.

        Raises:
            EnvironmentProblem: the identity in use cannot decrypt it (from the opener).
        """
        if self._plain is None:
            assert self._opener is not None
            self._plain = self._opener(self.path, self.ciphertext)
        return self._plain

    def __repr__(self) -> str:
        # Never the plaintext: these objects end up in tracebacks and assertion messages.
        return f"KeystoreSecret({self.path!r})"


SecretValue = bytes | KeystoreSecret
"""A value of a Secret or of a crypto file: bytes in clear, or a keystore secret."""


def reveal(value: SecretValue) -> bytes:
    """The bytes of ``value`` (decrypting a keystore secret)."""
    return value.reveal() if isinstance(value, KeystoreSecret) else value


def token(value: SecretValue) -> str | None:
    """The token of a keystore secret, None for bytes in clear."""
    return value.token if isinstance(value, KeystoreSecret) else None


class RevealingFiles(Mapping[str, bytes]):
    """Crypto files by path whose keys are decrypted when read (and only then)."""

    def __init__(self, values: Mapping[str, SecretValue]) -> None:
        self._values = values

    def __getitem__(self, path: str) -> bytes:
        return reveal(self._values[path])

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"RevealingFiles({len(self._values)} files)"

    def unrevealed(self, path: str) -> SecretValue | None:
        """The value at ``path`` without decrypting it, None when absent."""
        return self._values.get(path)


def unrevealed(files: Mapping[str, bytes], path: str) -> SecretValue | None:
    """``files[path]`` without decrypting it when ``files`` can tell (it has an
    ``unrevealed`` method, like :class:`RevealingFiles`), else the bytes; None when absent."""
    method = getattr(files, "unrevealed", None)
    if method is not None:
        found: SecretValue | None = method(path)
        return found
    return files.get(path)
