"""Generated credentials (CA admin and CouchDB passwords) kept in the keystore.

A credential is created once, from the injected randomness, sealed with age like a private key
(``credentials/<name>.age``) and reused by every later compile, so rendered Secrets stay stable.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

from fabgitops.keystore.ledger import SECRET_SUFFIX, Ledger
from fabgitops.keystore.value import KeystoreSecret
from fabgitops.ports import LabelledRandomBytes

CREDENTIALS_DIR = "credentials"
PASSWORD_BYTES = 32
"""256 bits of entropy per password."""
PASSWORD_LENGTH = 43
"""Base-62 digits needed for 256 bits (62**43 > 2**256), so no entropy is lost."""
_ALPHABET = string.digits + string.ascii_letters
# Alphanumeric only: safe in URLs, env vars, ``-b admin:<password>`` and YAML without quoting.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")

"""``(label, size) -> bytes``: the :class:`fabgitops.crypto.keys.KeyGen` randomness port."""


SEAL_INDEX_KEY = "fabgitops/seal-index-key"
"""The credential whose hash keys the seal index (``fabgitops.seal.index``)."""


def credential_path(name: str) -> str:
    """Keystore-relative path of a credential.

    Raises:
        ValueError: the name is not ``segment(/segment)*`` of ``[A-Za-z0-9._-]``.
    """
    if not _NAME.match(name) or ".." in name:
        raise ValueError(f"invalid credential name {name!r}")
    return f"{CREDENTIALS_DIR}/{name}{SECRET_SUFFIX}"


def password_from(random: bytes) -> str:
    """A 43-character alphanumeric password encoding 32 random bytes."""
    if len(random) < PASSWORD_BYTES:
        raise ValueError("a password needs 32 random bytes")
    value = int.from_bytes(random[:PASSWORD_BYTES], "big")
    digits = []
    for _ in range(PASSWORD_LENGTH):
        value, digit = divmod(value, len(_ALPHABET))
        digits.append(_ALPHABET[digit])
    return "".join(digits)


def ca_admin_credential(domain: str) -> str:
    """Name of the bootstrap admin password of an org's fabric-ca-server."""
    return f"{domain}/ca-admin-password"


def couchdb_credential(domain: str, hostname: str) -> str:
    """Name of the CouchDB admin password of one peer's state database."""
    return f"{domain}/{hostname}/couchdb-password"


def reconcile_credentials(
    ledger: Ledger, names: Iterable[str], random: LabelledRandomBytes
) -> tuple[dict[str, KeystoreSecret], list[str]]:
    """Reuse or create each named credential in ``ledger`` (decrypting none).

    Returns:
        The credentials by name (UTF-8), and the names that were created now.
    """
    values: dict[str, KeystoreSecret] = {}
    created = []
    for name in dict.fromkeys(names):
        path = credential_path(name)
        existing = ledger.secret(path)
        if existing is not None:
            ledger.keep(path)
            values[name] = existing
            continue
        password = password_from(random(path, PASSWORD_BYTES))
        values[name] = ledger.put_secret(path, password.encode())
        created.append(name)
    return values, created
