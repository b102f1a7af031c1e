"""Certificate authorities and the certificates they sign: cryptogen's ``ca`` layer.

Every rule here reproduces fabric v2.5.16 ``internal/cryptogen/ca/ca.go`` and what Go's
``crypto/x509`` does with cryptogen's templates (go1.2x ``x509.go`` ``CreateCertificate``,
``buildCertExtensions``; ``pkix.go`` ``ToRDNSequence``; ``encoding/asn1`` string types), so that
the DER matches cryptogen's field by field: only keys, serials, times and signatures differ.
"""

from __future__ import annotations

import functools
import ipaddress
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fabgitops.crypto.keys import PrivateKey, PublicKey, subject_key_id, to_low_s
from fabgitops.plan import Subject

VALIDITY = timedelta(days=3650)
"""ca.go L224: ``expiry := 3650 * 24 * time.Hour``."""
BACKDATE = timedelta(minutes=5)
"""ca.go L226: NotBefore is backdated 5 minutes."""

# encoding/asn1 isPrintable with rejectAsterisk and rejectAmpersand (marshal.go makeField):
# Go writes a PrintableString when every character is in this set, otherwise a UTF8String.
_PRINTABLE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'()+,-./:=? "
)


class Profile(Enum):
    """The two leaf profiles of msp.go ``GenerateLocalMSP``."""

    ENROLLMENT = "enrollment"
    """msp.go L82-90: KeyUsage DigitalSignature, an empty EKU list (so no EKU extension)."""
    TLS = "tls"
    """msp.go L144-155: DigitalSignature|KeyEncipherment, EKU ServerAuth then ClientAuth."""


@dataclass(frozen=True)
class Authority:
    """A CA able to sign: cryptogen's ``ca.CA`` struct.

    ``subject`` holds the fields every signed certificate inherits (ca.go L128-135); like
    ``cryptogen extend`` (main.go ``getCA`` L716-731) they come from the current configuration,
    while the issuer name is always the CA certificate's own subject.

    ``key`` may be a function that loads it: a CA that signs nothing in a compile is never
    decrypted (its certificate was checked against the key when it was read).
    """

    certificate: x509.Certificate
    key: PrivateKey | Callable[[], PrivateKey]
    subject: Subject

    @functools.cached_property
    def private_key(self) -> PrivateKey:
        """The CA's key (loaded, and so decrypted, on first use)."""
        return self.key if isinstance(self.key, ec.EllipticCurvePrivateKey) else self.key()

    @functools.cached_property
    def certificate_der(self) -> bytes:
        """The certificate, DER (one encoding per certificate: what a memo fact binds)."""
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @functools.cached_property
    def consistent_key_id(self) -> bool:
        """Whether the AKI this CA writes into leaves is its :attr:`key_id` (its certificate's
        SKI, when it has one, is computed as cryptogen does)."""
        return _authority_key_id(self) == self.key_id

    @functools.cached_property
    def key_id(self) -> bytes:
        """SHA-256 of the CA's public point (``subject_key_id``), from its certificate, which
        holds the same key."""
        public = self.certificate.public_key()
        if isinstance(public, ec.EllipticCurvePublicKey):
            return subject_key_id(public)
        return subject_key_id(self.private_key.public_key())


def _attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute[str]:
    kind = _ASN1Type.PrintableString if set(value) <= _PRINTABLE else _ASN1Type.UTF8String
    size = len(value.encode())
    if (oid == NameOID.COMMON_NAME and size > 64) or (oid == NameOID.COUNTRY_NAME and size != 2):
        # Go enforces no length (RFC 5280's ub-common-name is 64; C is 2 letters); cryptogen
        # accepts such names, so build them the same way instead of failing.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return x509.NameAttribute(oid, value, kind, _validate=False)
    return x509.NameAttribute(oid, value, kind)


def _rdn(oid: x509.ObjectIdentifier, values: Sequence[str]) -> list[x509.RelativeDistinguishedName]:
    # pkix.go appendRDNs: all values of one attribute share one multi-valued RDN (DER sorts the
    # SET members, as Go's setEncoder does).
    if not values:
        return []
    return [x509.RelativeDistinguishedName([_attribute(oid, v) for v in values])]


@functools.lru_cache(maxsize=256)
def _inherited(subject: Subject, organization: str | None) -> list[x509.RelativeDistinguishedName]:
    """The RDNs before OU, shared by every certificate of a CA (cached: built once per org)."""
    return [
        *_rdn(NameOID.COUNTRY_NAME, [subject.country]),
        *_rdn(NameOID.STATE_OR_PROVINCE_NAME, [subject.province]),
        *_rdn(NameOID.LOCALITY_NAME, [subject.locality]),
        *_rdn(NameOID.STREET_ADDRESS, [subject.street_address] if subject.street_address else []),
        *_rdn(NameOID.POSTAL_CODE, [subject.postal_code] if subject.postal_code else []),
        *_rdn(NameOID.ORGANIZATION_NAME, [organization] if organization else []),
    ]


def subject_name(
    subject: Subject,
    common_name: str,
    *,
    organization: str | None = None,
    node_ous: Sequence[str] = (),
) -> x509.Name:
    """The subject cryptogen writes.

    ca.go ``subjectTemplateAdditional`` L186-215 fills C/ST/L (defaults US/California/San
    Francisco, L177-183) and OU/STREET/POSTALCODE when set; ``NewCA`` adds O=<org domain>
    (L78); ``SignCertificate`` appends the node OUs after the CA's OU (L138). pkix.go
    ``ToRDNSequence`` orders them C, ST, L, STREET, POSTALCODE, O, OU, CN.

    Raises:
        ValueError: two equal OUs (a CA OU equal to a node OU), which X.509 cannot encode.
    """
    ous = [subject.organizational_unit] if subject.organizational_unit else []
    ous += list(node_ous)
    return x509.Name([
        *_inherited(subject, organization),
        *_rdn(NameOID.ORGANIZATIONAL_UNIT_NAME, ous),
        *_rdn(NameOID.COMMON_NAME, [common_name]),
    ])


def validity(now: datetime) -> tuple[datetime, datetime]:
    """NotBefore/NotAfter for a certificate issued at ``now`` (ca.go ``x509Template`` L224-232).

    ``time.Now().Round(time.Minute)`` rounds half up, then 5 minutes are subtracted; NotAfter is
    NotBefore + 3650 days. Both in UTC.
    """
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    now = now.astimezone(UTC)
    floor = now.replace(second=0, microsecond=0)
    rounded = floor + timedelta(minutes=1) if now - floor >= timedelta(seconds=30) else floor
    not_before = rounded - BACKDATE
    return not_before, not_before + VALIDITY


def parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``value`` denotes, as Go's ``net.ParseIP`` + ``To4`` see it, else None.

    Go rejects zones (``fe80::1%eth0``) and writes IPv4-mapped IPv6 addresses as 4 bytes
    (x509.go ``marshalSANs``).
    """
    if "%" in value:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def alternative_names(sans: Sequence[str]) -> list[x509.GeneralName]:
    """SAN entries in cryptogen's order.

    ca.go L141-149 puts entries that parse as IPs into ``IPAddresses`` and the rest into
    ``DNSNames``; x509.go ``marshalSANs`` then writes all DNS names first, then all IPs.
    """
    dns: list[x509.GeneralName] = []
    ips: list[x509.GeneralName] = []
    for san in sans:
        address = parse_ip(san)
        if address is None:
            dns.append(x509.DNSName(san))
        else:
            ips.append(x509.IPAddress(address))
    return dns + ips


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: PublicKey, now: datetime, serial: int
) -> x509.CertificateBuilder:
    not_before, not_after = validity(now)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _key_usage(*, key_encipherment: bool, ca: bool) -> x509.KeyUsage:
    # Go marks KeyUsage critical (x509.go marshalKeyUsage).
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _sign(
    builder: x509.CertificateBuilder, key: PrivateKey, deterministic: bool
) -> x509.Certificate:
    if deterministic:
        # RFC 6979 nonces, for reproducible test certificates only.
        certificate = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    else:
        certificate = builder.sign(key, hashes.SHA256())
    return to_low_s(certificate)


def self_signed(
    key: PrivateKey,
    common_name: str,
    organization: str,
    subject: Subject,
    *,
    now: datetime,
    serial: int,
    deterministic: bool = False,
) -> x509.Certificate:
    """A root CA certificate as ca.go ``NewCA`` (L42-110) makes it.

    Extensions in Go's order (x509.go ``buildCertExtensions``): KeyUsage (critical;
    DigitalSignature, KeyEncipherment, CertSign, CRLSign, L68-70), ExtKeyUsage (ClientAuth,
    ServerAuth, L71-74), BasicConstraints (critical, CA:TRUE, no path length), SKI = SHA-256 of
    the point (L82). No AKI: Go adds one only when issuer and subject differ.

    One deliberate difference: cryptogen self-signs with the bare key (L84-91 pass ``priv``,
    not its low-S ``ECDSASigner``), so about half of its CA certificates are high-S. Ours are
    always low-S; Fabric's MSP would otherwise re-encode them (msp/mspimpl.go ``sanitizeCert``),
    making the bytes it works with differ from the file.
    """
    name = subject_name(subject, common_name, organization=organization)
    builder = (
        _builder(name, name, key.public_key(), now, serial)
        .add_extension(_key_usage(key_encipherment=True, ca=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier(subject_key_id(key.public_key())), critical=False
        )
    )
    return _sign(builder, key, deterministic)


def leaf_subject(authority: Authority, common_name: str, node_ous: Sequence[str]) -> x509.Name:
    """Subject of a certificate signed by ``authority`` (ca.go ``SignCertificate`` L127-138).

    No O: only CA certificates carry the org domain.
    """
    return subject_name(authority.subject, common_name, node_ous=node_ous)


def sign_leaf(
    authority: Authority,
    public_key: PublicKey,
    common_name: str,
    profile: Profile,
    *,
    node_ous: Sequence[str] = (),
    sans: Sequence[str] = (),
    now: datetime,
    serial: int,
    deterministic: bool = False,
    subject: x509.Name | None = None,
) -> x509.Certificate:
    """A leaf certificate as ca.go ``SignCertificate`` (L114-164) makes it.

    ``subject`` may pass ``leaf_subject(authority, common_name, node_ous)`` when the caller
    already built it.

    Extensions in Go's order: KeyUsage (critical), ExtKeyUsage (TLS only), BasicConstraints
    (critical, CA:FALSE), AKI = the CA's SKI (x509.go adds it because issuer != subject), SAN
    when any. No SKI on leaves.
    """
    tls = profile is Profile.TLS
    builder = (
        _builder(
            subject or leaf_subject(authority, common_name, node_ous),
            authority.certificate.subject,
            public_key,
            now,
            serial,
        )
        .add_extension(_key_usage(key_encipherment=tls, ca=False), critical=True)
    )
    if tls:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    ).add_extension(
        x509.AuthorityKeyIdentifier(_authority_key_id(authority), None, None),
        critical=False,
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(alternative_names(sans)), critical=False
        )
    return _sign(builder, authority.private_key, deterministic)


def _authority_key_id(authority: Authority) -> bytes:
    # x509.go CreateCertificate: the AKI is the parent's SubjectKeyId as found in its cert.
    try:
        ext = authority.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return authority.key_id
    return ext.value.digest


def certificate_pem(certificate: x509.Certificate) -> bytes:
    """PEM as Go's ``pem.Encode`` writes it (64-column base64, trailing newline)."""
    return certificate.public_bytes(serialization.Encoding.PEM)


def name_der(name: x509.Name) -> bytes:
    """DER of a name; names are compared byte for byte, as Go's chain builder does."""
    return name.public_bytes()
