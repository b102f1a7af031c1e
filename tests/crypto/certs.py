"""Helpers that reduce a certificate to the fields cryptogen decides, for comparisons."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID

from fabgitops.crypto.keys import is_low_s


def name_profile(name: x509.Name) -> list[list[tuple[str, str, str]]]:
    """RDNs in DER order; each attribute as (OID, value, ASN.1 string type)."""
    return [
        [(a.oid.dotted_string, str(a.value), a._type.name) for a in rdn]
        for rdn in name.rdns
    ]


def extension_profile(certificate: x509.Certificate) -> list[tuple[str, bool, Any]]:
    """Extensions in order with criticality; key identifiers reduced to their shape."""
    out: list[tuple[str, bool, Any]] = []
    for ext in certificate.extensions:
        value: Any
        if ext.oid == ExtensionOID.SUBJECT_KEY_IDENTIFIER:
            value = ("ski", len(ext.value.digest))
        elif ext.oid == ExtensionOID.AUTHORITY_KEY_IDENTIFIER:
            value = ("aki", len(ext.value.key_identifier or b""),
                     ext.value.authority_cert_issuer, ext.value.authority_cert_serial_number)
        else:
            value = ext.value.public_bytes()
        out.append((ext.oid.dotted_string, ext.critical, value))
    return out


def profile(certificate: x509.Certificate, *, with_san: bool = True) -> dict[str, Any]:
    """Everything cryptogen fixes about a certificate (not keys, serial, times, signature)."""
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    extensions = extension_profile(certificate)
    if not with_san:
        san = ExtensionOID.SUBJECT_ALTERNATIVE_NAME.dotted_string
        extensions = [e for e in extensions if e[0] != san]
    return {
        "version": certificate.version,
        "signature_algorithm": certificate.signature_algorithm_oid.dotted_string,
        "issuer": name_profile(certificate.issuer),
        "subject": name_profile(certificate.subject),
        "lifetime": certificate.not_valid_after_utc - certificate.not_valid_before_utc,
        "not_before_seconds": certificate.not_valid_before_utc.second,
        "serial_bits_max_128": certificate.serial_number.bit_length() <= 128,
        "curve": public_key.curve.name,
        "extensions": extensions,
        "low_s": is_low_s(certificate.signature),
    }


def sans(certificate: x509.Certificate) -> list[x509.GeneralName]:
    try:
        ext = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return list(ext.value)
