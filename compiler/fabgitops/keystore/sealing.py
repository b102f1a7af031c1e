"""age encryption of keystore secrets to the configured recipients.

Every private key and generated credential is an ASCII-armored age file (``*.age``) so it diffs
and merges as text in git. The recipient set is recorded in ``recipients.txt``; when the
configured set changes, every secret is re-encrypted (see :class:`Sealer.reencrypt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyrage

from fabgitops.age import parse_recipient
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.identity import AgeIdentity

RECIPIENTS_FILE = "recipients.txt"
_RECIPIENTS_HEADER = "# age recipients of every *.age file in this keystore (fabgitops)\n"


def recipients_file(recipients: Sequence[str]) -> bytes:
    """The ``recipients.txt`` content: a comment, then one recipient per line, sorted."""
    return (_RECIPIENTS_HEADER + "".join(f"{r}\n" for r in sorted(recipients))).encode()


def read_recipients_file(content: bytes) -> tuple[str, ...]:
    """The recipients listed in a ``recipients.txt``."""
    lines = content.decode("utf-8", "replace").splitlines()
    return tuple(sorted(ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")))


@dataclass(frozen=True)
class Sealer:
    """Seals secrets to ``recipients`` and opens them with ``identity``."""

    identity: AgeIdentity
    recipients: tuple[str, ...]
    """Sorted, unique; what new ciphertexts are encrypted to."""
    recorded: tuple[str, ...] | None
    """The set recorded in the existing keystore, None when there is none."""

    @property
    def reencrypt(self) -> bool:
        """Existing ciphertexts must be re-encrypted: the recipient set changed."""
        return self.recorded is not None and self.recorded != self.recipients

    @cached_property
    def _parsed(self) -> list[Any]:
        return [parse_recipient(r) for r in self.recipients]

    def __getstate__(self) -> dict[str, Any]:
        # As AgeIdentity's: pyrage's recipients do not pickle; parsed again on first use.
        return {k: v for k, v in self.__dict__.items() if k != "_parsed"}

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt to every recipient, ASCII-armored."""
        try:
            return bytes(pyrage.encrypt(plaintext, self._parsed, armored=True))
        except (ValueError, pyrage.EncryptError) as exc:
            raise EnvironmentProblem(f"age encryption failed: {exc}") from None

    def open(self, path: str, ciphertext: bytes) -> bytes:
        """Decrypt the keystore file at ``path``.

        Raises:
            EnvironmentProblem: the identity in use cannot decrypt it (never answered by
                generating new material).
        """
        try:
            return self.identity.decrypt(ciphertext)
        except Exception as exc:  # pyrage.DecryptError, or garbage input
            recorded = ", ".join(self.recorded or ()) or "unknown"
            raise EnvironmentProblem(
                f"cannot decrypt {path} with the age identity from {self.identity.source} "
                f"(recipient {', '.join(self.identity.recipients)}): {exc}. The keystore is "
                f"encrypted to: {recorded}. Use one of their identities "
                "(FABGITOPS_AGE_IDENTITY or --age-identity FILE); nothing was regenerated."
            ) from None


def make_sealer(
    configured: Sequence[str], identity: AgeIdentity, recorded: tuple[str, ...] | None
) -> Sealer:
    """The sealer for a compile: ``Keystore.AgeRecipients``, or the identity's own recipient.

    ``configured`` passed validation (``rules.delivery``).

    Raises:
        EnvironmentProblem: recipients are configured and the identity in use is not one of
            them (it could not read what it writes).
    """
    own = identity.recipients
    if configured and not set(own) & set(configured):
        raise EnvironmentProblem(
            f"the age identity from {identity.source} (recipient {', '.join(own)}) is not "
            "listed in Keystore.AgeRecipients, so it could not decrypt the keystore it writes. "
            "Add its recipient to Keystore.AgeRecipients or use a listed identity."
        )
    recipients = tuple(sorted(set(configured or own)))
    return Sealer(identity, recipients, recorded)
