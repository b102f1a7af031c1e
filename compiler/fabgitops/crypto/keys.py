"""Keys, serial numbers and low-S signatures: cryptogen's ``csp`` layer.

Randomness enters the crypto stage only through a :class:`KeyGen`, so tests can inject a
deterministic one (it lives in ``tests/``, never here) and production uses :class:`SystemKeyGen`.
Every function below is pure given its arguments.

Sources: fabric v2.5.16 ``internal/cryptogen/csp/csp.go`` (keys, ``ECDSASigner``/``toLowS``) and
``internal/cryptogen/ca/ca.go`` (serials, SKI).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

PrivateKey = ec.EllipticCurvePrivateKey
PublicKey = ec.EllipticCurvePublicKey

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
"""The group order n of P-256."""
HALF_ORDER = P256_ORDER // 2
"""csp.go L145: ``halfOrder := N / 2``; a signature is low-S when ``s <= halfOrder``."""

SERIAL_LIMIT = 1 << 128
"""ca.go L220-221: serials are ``rand.Int(rand.Reader, 2^128)``."""

# AlgorithmIdentifier of ecdsa-with-SHA256 (1.2.840.10045.4.3.2, no parameters, RFC 5758 3.2).
_ECDSA_SHA256_ALGORITHM = bytes.fromhex("300a06082a8648ce3d040302")


class KeyGen(Protocol):
    """The source of every random value the crypto stage uses.

    ``label`` names what the value is for (a keystore path); a production implementation
    ignores it, a deterministic test implementation derives the value from it, so outputs do not
    depend on the order in which material is generated.
    """

    @property
    def deterministic_signatures(self) -> bool:
        """Sign with RFC 6979 nonces (reproducible certificates) instead of random ones."""
        ...

    def private_key(self, label: str) -> PrivateKey:
        """A new ECDSA P-256 private key."""
        ...

    def serial_number(self, label: str) -> int:
        """A certificate serial number in ``[1, 2**128)``."""
        ...

    def random_bytes(self, label: str, size: int) -> bytes:
        """``size`` bytes of secret randomness (passwords)."""
        ...


@dataclass(frozen=True)
class SystemKeyGen:
    """The production :class:`KeyGen`: the OS CSPRNG, like cryptogen's ``crypto/rand``."""

    deterministic_signatures: bool = False

    def private_key(self, label: str) -> PrivateKey:
        """csp.go L77: ``ecdsa.GenerateKey(elliptic.P256(), rand.Reader)``."""
        del label
        return ec.generate_private_key(ec.SECP256R1())

    def serial_number(self, label: str) -> int:
        """A uniform 128-bit serial; 0 (probability 2**-128) is redrawn because X.509 forbids
        it and ``cryptography`` refuses it."""
        del label
        while True:
            serial = secrets.randbelow(SERIAL_LIMIT)
            if serial:
                return serial

    def random_bytes(self, label: str, size: int) -> bytes:
        """Bytes from :func:`secrets.token_bytes`."""
        del label
        return secrets.token_bytes(size)


def subject_key_id(public_key: PublicKey) -> bytes:
    """SHA-256 of the uncompressed point ``04||X||Y`` (ca.go ``computeSKI`` L166-174).

    Fabric's BCCSP computes the same value to find a signing key in ``keystore/``.
    """
    point = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return hashlib.sha256(point).digest()


def private_key_pem(key: PrivateKey) -> bytes:
    """PKCS#8 PEM, byte-compatible with Go's ``x509.MarshalPKCS8PrivateKey`` (csp.go L82-87)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key(pem: bytes) -> PrivateKey:
    """Parse a PEM private key and insist on ECDSA P-256.

    Raises:
        ValueError: the PEM is not an unencrypted P-256 key.
    """
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError("not an ECDSA P-256 private key")
    return key


def public_keys_equal(a: object, b: PublicKey) -> bool:
    """Whether ``a`` (any certificate public key) is the EC point ``b``."""
    return isinstance(a, ec.EllipticCurvePublicKey) and a.public_numbers() == b.public_numbers()


def is_low_s(signature: bytes) -> bool:
    """Whether a DER ECDSA signature has ``s <= n/2`` (what BCCSP demands of Fabric signatures)."""
    _, s = decode_dss_signature(signature)
    return s <= HALF_ORDER


def to_low_s(certificate: x509.Certificate) -> x509.Certificate:
    """Return ``certificate`` with its signature in low-S form.

    ``cryptography`` signs with OpenSSL, which does not normalize S, while cryptogen's
    ``ECDSASigner`` replaces ``s`` by ``n - s`` when ``s > n/2`` (csp.go ``toLowS`` L143-152).
    ``(r, n - s)`` is an equally valid signature over the same TBS, so re-encoding the signature
    is exact and never loops, also with deterministic (RFC 6979) nonces.
    """
    r, s = decode_dss_signature(certificate.signature)
    if s <= HALF_ORDER:
        return certificate
    signature = encode_dss_signature(r, P256_ORDER - s)
    # Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    body = (
        certificate.tbs_certificate_bytes
        + _ECDSA_SHA256_ALGORITHM
        + _tlv(0x03, b"\x00" + signature)
    )
    return x509.load_der_x509_certificate(_tlv(0x30, body))


def _tlv(tag: int, content: bytes) -> bytes:
    """A DER tag-length-value with a definite length."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content
