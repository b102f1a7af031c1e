"""Certificate expiry: which certificates need attention soon.

cryptogen certificates last 3650 days (ca.go L224); a network that outlives them stops at the
first TLS handshake. ``issue(..., renew=True)`` reissues expiring leaves with their keys; CAs
are only reported (a new CA certificate changes every channel config that lists it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

from fabgitops.crypto.material import CryptoMaterial
from fabgitops.layout import KEYSTORE_PREFIX, is_keystore

RETIRED = KEYSTORE_PREFIX + "retired/"


@dataclass(frozen=True, order=True)
class Expiring:
    """A certificate that expires within the warning window."""

    not_after: datetime
    path: str
    """Its path in cryptogen's layout."""
    common_name: str
    is_ca: bool


def expiring(material: CryptoMaterial, *, now: datetime, within_days: int) -> list[Expiring]:
    """Certificates whose NotAfter is before ``now + within_days``, soonest first."""
    limit = now + timedelta(days=within_days)
    found = []
    for path, pair in material.certificates():
        certificate = pair.certificate
        if certificate.not_valid_after_utc <= limit:
            cn = certificate.subject.rfc4514_string()
            is_ca = "/ca/" in path or "/tlsca/" in path
            found.append(Expiring(certificate.not_valid_after_utc, path, cn, is_ca))
    return sorted(found)


def expiring_in_keystore(
    tree: Mapping[str, bytes], *, now: datetime, within_days: int
) -> list[Expiring]:
    """Like :func:`expiring`, reading only the keystore's certificates (no key needed).

    ``validate`` uses it: it warns without an age identity. Retired material is skipped.
    """
    limit = now + timedelta(days=within_days)
    found = []
    for path, content in sorted(tree.items()):
        if not is_keystore(path) or path.startswith(RETIRED) or not path.endswith(
                "cert.pem"):
            continue
        try:
            certificate = x509.load_pem_x509_certificate(content)
        except ValueError:
            continue
        if certificate.not_valid_after_utc <= limit:
            relative = path.removeprefix(KEYSTORE_PREFIX)
            is_ca = "/ca/" in relative or "/tlsca/" in relative
            found.append(Expiring(certificate.not_valid_after_utc, relative,
                                  certificate.subject.rfc4514_string(), is_ca))
    return sorted(found)
