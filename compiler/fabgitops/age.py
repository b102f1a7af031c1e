"""age recipients: the one rule for ``Keystore.AgeRecipients`` and ``Secrets.Sops.AgeRecipients``.

Validation (``rules.delivery``) calls it to report a bad recipient at its line; the keystore
and the SOPS sealer then rely on it.
"""

from __future__ import annotations

from typing import Any

from pyrage import x25519


def parse_recipient(text: str) -> Any:
    """An ``age1...`` X25519 recipient, parsed.

    SSH recipients are refused: fabgitops opens its keystore with an age identity only, and
    SOPS reads age recipients as X25519 keys.

    Raises:
        ValueError: the text is not an X25519 recipient.
    """
    try:
        return x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises RecipientError or ValueError
        raise ValueError(f"{text!r} is not an age recipient (age1...; `age-keygen -y` prints "
                         "the recipient of an identity)") from None
