"""Bitnami Sealed Secrets: the controller certificate, scopes, and the SealedSecret manifest.

Facts from bitnami-labs/sealed-secrets: ``pkg/kubeseal/kubeseal.go`` (``ParseKey``: the first PEM
certificate, RSA key, refused once ``NotAfter`` has passed), ``pkg/apis/sealedsecrets/v1alpha1/
sealedsecret_expansion.go`` (``EncryptionLabel``, ``SecretScope``, ``UpdateScopeAnnotations``,
``NewSealedSecret``, ``Unseal``) and ``types.go`` (the annotation names and the object's shape).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from fabgitops.errors import EnvironmentProblem
from fabgitops.ports import RandomBytes
from fabgitops.seal.hybrid import hybrid_encrypt
from fabgitops.seal.secret import PlainSecret, object_metadata

API_VERSION = "bitnami.com/v1alpha1"
CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide"
NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide"

MIN_KEY_BITS = 2048
"""Our floor: the controller generates RSA-4096 (``--key-size``, default 4096) and accepts any
size, kubeseal checks none; a bring-your-own key below 2048 bits is refused here."""


class Scope(StrEnum):
    """Where a SealedSecret may be unsealed (``SealingScope`` in sealedsecret_expansion.go)."""

    STRICT = "strict"
    NAMESPACE_WIDE = "namespace-wide"
    CLUSTER_WIDE = "cluster-wide"


@dataclass(frozen=True)
class SealingCertificate:
    """The controller's sealing key, read from the certificate ``kubeseal --fetch-cert`` prints.

    ``fingerprint`` is the SHA-256 of the certificate's DER: a new certificate (the controller
    renews its key every 30 days) means a new fingerprint, and the seal stage re-seals.
    """

    modulus: int
    exponent: int
    fingerprint: str
    subject: str
    not_before: datetime
    not_after: datetime

    @property
    def key_bits(self) -> int:
        """Size of the RSA modulus in bits (4096 for a controller-generated key)."""
        return self.modulus.bit_length()


def load_certificate(pem: bytes, *, now: datetime, source: str = "the sealing certificate",
                     ) -> SealingCertificate:
    """Parse and check the controller certificate, as kubeseal's ``ParseKey`` does and more.

    Args:
        pem: the file's bytes: one or more PEM certificates; the first one is used, like kubeseal.
        now: the current time (timezone-aware), injected for the validity check.
        source: how to name the file in error messages (usually its path).

    Returns:
        The checked certificate.

    Raises:
        EnvironmentProblem: garbage, a bare public key, a non-RSA or too small key, or a
            certificate that is expired or not yet valid at ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    fetch = "(get it with: kubeseal --fetch-cert > pub-cert.pem)"
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        if b"PUBLIC KEY-----" in pem:
            raise EnvironmentProblem(f"{source} is a bare public key; sealing needs the "
                                     f"controller's X.509 certificate {fetch}")
        raise EnvironmentProblem(f"{source} contains no PEM certificate {fetch}")
    try:
        cert = x509.load_pem_x509_certificates(pem)[0]
    except ValueError as exc:
        raise EnvironmentProblem(f"{source} is not a valid PEM X.509 certificate: {exc}") from None
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise EnvironmentProblem(f"{source} holds {_key_kind(key)} key, not RSA: it is not a "
                                 "sealed-secrets controller certificate")
    if key.key_size < MIN_KEY_BITS:
        raise EnvironmentProblem(f"{source} holds an RSA-{key.key_size} key; at least "
                                 f"RSA-{MIN_KEY_BITS} is required")
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now > not_after:
        raise EnvironmentProblem(f"{source} expired on {not_after:%Y-%m-%d %H:%M:%S} UTC; fetch "
                                 f"the controller's current certificate {fetch}")
    if now < not_before:
        raise EnvironmentProblem(f"{source} is not valid before {not_before:%Y-%m-%d %H:%M:%S} "
                                 "UTC; check the clock or the certificate")
    numbers = key.public_numbers()
    return SealingCertificate(
        modulus=numbers.n,
        exponent=numbers.e,
        fingerprint=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        not_before=not_before,
        not_after=not_after,
    )


def _key_kind(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "an ECDSA"
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return "an EdDSA"
    if isinstance(key, dsa.DSAPublicKey):
        return "a DSA"
    return "a non-RSA"


def encryption_label(namespace: str, name: str, scope: Scope) -> bytes:
    """The OAEP label of ``EncryptionLabel``: ``ns/name`` (strict), ``ns``, or empty."""
    if scope is Scope.CLUSTER_WIDE:
        return b""
    if scope is Scope.NAMESPACE_WIDE:
        return namespace.encode()
    return f"{namespace}/{name}".encode()


def scope_annotations(annotations: Mapping[str, str], scope: Scope) -> dict[str, str]:
    """``annotations`` with the scope annotations set for ``scope`` (``UpdateScopeAnnotations``).

    Any scope annotation already present is replaced, so the annotations can never disagree with
    the label the values were sealed with.
    """
    out = {k: v for k, v in annotations.items()
           if k not in (CLUSTER_WIDE_ANNOTATION, NAMESPACE_WIDE_ANNOTATION)}
    if scope is Scope.NAMESPACE_WIDE:
        out[NAMESPACE_WIDE_ANNOTATION] = "true"
    elif scope is Scope.CLUSTER_WIDE:
        out[CLUSTER_WIDE_ANNOTATION] = "true"
    return out


def seal_value(certificate: SealingCertificate, value: bytes, label: bytes,
               random: RandomBytes) -> str:
    """One ``encryptedData`` entry: standard padded base64 of the hybrid ciphertext."""
    raw = hybrid_encrypt(certificate.modulus, certificate.exponent, value, label, random)
    return base64.b64encode(raw).decode()


def sealed_secret_manifest(secret: PlainSecret, encrypted_data: Mapping[str, str],
                           scope: Scope) -> dict[str, Any]:
    """The SealedSecret that makes the controller create ``secret``.

    The controller reads the scope from the SealedSecret's own ``metadata`` when unsealing
    (``Unseal`` uses ``labelFor(smeta)``) while ``Scope()`` reads the template, so the scope
    annotations go on both, as kubeseal writes them. Labels and the other annotations also go on
    both: the template's become the Secret's, and the object's are what Argo CD and Flux see
    (sync waves, label selectors). No ``creationTimestamp`` (Argo CD would stay OutOfSync).

    Args:
        secret: the Secret in clear (only its metadata and type are used here).
        encrypted_data: the sealed value of every data key of ``secret``.
        scope: the scope the values were sealed with.
    """
    if set(encrypted_data) != set(secret.data):
        raise ValueError(f"{secret.path}: encrypted keys do not match the secret's data keys")
    annotations = scope_annotations(secret.annotations, scope)
    return {
        "apiVersion": API_VERSION,
        "kind": "SealedSecret",
        "metadata": object_metadata(secret, annotations),
        "spec": {
            "encryptedData": dict(sorted(encrypted_data.items())),
            "template": {"metadata": object_metadata(secret, annotations), "type": secret.type},
        },
    }
