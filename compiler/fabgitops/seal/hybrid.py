"""The sealed-secrets controller's hybrid encryption, with injected randomness.

Byte layout, from ``HybridEncrypt`` in bitnami-labs/sealed-secrets ``pkg/crypto/crypto.go``::

    uint16 big-endian len(rsa_ct) || rsa_ct || AES-256-GCM(session_key, nonce=0^12, value) || tag

where ``session_key`` is 32 fresh random bytes and ``rsa_ct`` is RSA-OAEP (SHA-256 for both the
hash and MGF1) of the session key under the controller's public key, with the OAEP label set by
the sealing scope. The controller decrypts with ``HybridDecrypt``/``singleDecrypt`` (same file).

OAEP is encoded here (RFC 8017 section 7.1.1) rather than by ``cryptography`` because
``cryptography`` draws the OAEP seed from OpenSSL's generator, and the stage's randomness must
come from the injected source: same source, same bytes. The result is checked in the tests by
decrypting with OpenSSL's OAEP. Like Go's ``rsa.EncryptOAEP``, the session key is drawn first and
the OAEP seed second.

The public-key operation is GMP's modular exponentiation (``gmpy2``): a first compile seals
thousands of values, and CPython's ``pow`` on 4096-bit numbers made it a third of the run.
"""

from __future__ import annotations

import hashlib

import gmpy2  # type: ignore[import-untyped]  # no type stubs; wrapped by _rsa_public below
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fabgitops.ports import RandomBytes
from fabgitops.seal.secret import take

SESSION_KEY_BYTES = 32
"""``sessionKeyBytes`` in crypto.go: AES-256."""
GCM_NONCE = bytes(12)
"""The all-zero 12-byte GCM nonce: safe because every session key encrypts exactly one value."""
_HASH_LEN = hashlib.sha256().digest_size
OAEP_SEED_BYTES = _HASH_LEN
"""The second draw of :func:`hybrid_encrypt` (the first is the session key)."""


def _mgf1_sha256(seed: bytes, length: int) -> bytes:
    """MGF1 with SHA-256 (RFC 8017 appendix B.2.1), the mask function Go's EncryptOAEP uses."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def _xor(left: bytes, right: bytes) -> bytes:
    if len(left) != len(right):
        raise ValueError("xor of byte strings of different lengths")
    # As integers: one C operation instead of a Python loop over hundreds of bytes.
    return (int.from_bytes(left, "big") ^ int.from_bytes(right, "big")).to_bytes(len(left), "big")


def _rsa_public(encoded: int, exponent: int, modulus: int) -> int:
    """``encoded ** exponent mod modulus``: plain modular exponentiation, as Go's rsa.encrypt."""
    return int(gmpy2.powmod(encoded, exponent, modulus))


def oaep_sha256_encrypt(modulus: int, exponent: int, message: bytes, label: bytes,
                        random: RandomBytes) -> bytes:
    """RSAES-OAEP-ENCRYPT with SHA-256 and MGF1-SHA-256; the output has the modulus' length.

    Args:
        modulus: the RSA public modulus ``n``.
        exponent: the RSA public exponent ``e``.
        message: what to encrypt (here: a 32-byte session key).
        label: the OAEP label that binds the ciphertext to its scope.
        random: the injected source of the ``hLen``-byte OAEP seed.

    Returns:
        The ciphertext, left-padded to ``k = ceil(bits(n) / 8)`` bytes as Go returns it.
    """
    k = (modulus.bit_length() + 7) // 8
    if len(message) > k - 2 * _HASH_LEN - 2:
        raise ValueError(f"message of {len(message)} bytes too long for a {k * 8}-bit RSA key")
    padding = bytes(k - len(message) - 2 * _HASH_LEN - 2)
    data_block = hashlib.sha256(label).digest() + padding + b"\x01" + message
    seed = take(random, OAEP_SEED_BYTES)
    masked_db = _xor(data_block, _mgf1_sha256(seed, k - _HASH_LEN - 1))
    masked_seed = _xor(seed, _mgf1_sha256(masked_db, _HASH_LEN))
    encoded = int.from_bytes(b"\x00" + masked_seed + masked_db, "big")
    return _rsa_public(encoded, exponent, modulus).to_bytes(k, "big")


def hybrid_encrypt(modulus: int, exponent: int, plaintext: bytes, label: bytes,
                   random: RandomBytes) -> bytes:
    """Encrypt one value exactly as the controller's ``HybridEncrypt`` does.

    Args:
        modulus: the controller key's RSA modulus.
        exponent: the controller key's RSA public exponent.
        plaintext: the value's raw bytes (a Secret's ``data`` value decoded, not its base64).
        label: the scope label (see ``sealed_secrets.encryption_label``).
        random: injected randomness (session key, then OAEP seed).

    Returns:
        ``len(rsa_ct)`` as 2 bytes big-endian, the RSA ciphertext, the GCM ciphertext and tag.
    """
    session_key = take(random, SESSION_KEY_BYTES)
    rsa_ciphertext = oaep_sha256_encrypt(modulus, exponent, session_key, label, random)
    sealed = AESGCM(session_key).encrypt(GCM_NONCE, plaintext, None)
    return len(rsa_ciphertext).to_bytes(2, "big") + rsa_ciphertext + sealed
