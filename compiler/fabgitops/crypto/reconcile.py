"""Reuse or issue one CA or one leaf pair against the keystore ledger.

The rule is cryptogen ``extend``'s (main.go L269-379, ``generateNodes`` L611 skips existing
nodes, ``getCA`` L716-731 reloads the CAs), made stricter: nothing that exists is regenerated.
A key is created only for a new identity; a certificate is reissued with its existing key only
when the configuration asks for a different subject or SANs, when its issuer changed, or when
renewal is requested and it expires soon.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from fabgitops.crypto.ca import (
    Authority,
    Profile,
    alternative_names,
    certificate_pem,
    leaf_subject,
    name_der,
    self_signed,
    sign_leaf,
    subject_name,
    validity,
)
from fabgitops.crypto.keys import (
    KeyGen,
    PrivateKey,
    load_private_key,
    private_key_pem,
    public_keys_equal,
)
from fabgitops.crypto.values import CertKey
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore import memo
from fabgitops.keystore.ledger import Ledger
from fabgitops.keystore.value import KeystoreSecret
from fabgitops.layout import KEYSTORE_DIR
from fabgitops.notes import Note
from fabgitops.plan import Subject

CERT_FILE = "cert.pem"
KEY_FILE = "key.age"


@dataclass
class Issuance:
    """What every reconciliation step of one compile shares."""

    ledger: Ledger
    keygen: KeyGen
    now: datetime
    renew_before: datetime | None
    """Reissue leaves expiring before this instant (``renew=True``), else None."""
    notes: list[Note] = field(default_factory=list)
    memo_key: bytes = b""
    """Key of the checks' memo facts (``keystore.memo.identity_key``); empty: no memo."""
    known: frozenset[str] = frozenset()
    """Facts remembered from earlier compiles."""
    facts: set[str] = field(default_factory=set)
    """Facts that hold in this compile (the memo to store)."""

    def remembered(self, kind: bytes, *fields: bytes) -> tuple[str, bool]:
        """The fact ``kind(fields)`` and whether an earlier compile established it."""
        if not self.memo_key:
            return "", False
        found = memo.fact(self.memo_key, kind, *fields)
        return found, found in self.known

    def establish(self, found: str) -> None:
        """Remember a fact that holds now (checked, or remembered and still true)."""
        if found:
            self.facts.add(found)


def _serial_label(path: str, *parts: bytes) -> str:
    # Distinct inputs get distinct labels, so a deterministic KeyGen never repeats a serial
    # when a certificate is reissued with the same key.
    digest = hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]
    return f"{path}#{digest}"


def _load_key(path: str, pem: bytes) -> PrivateKey:
    try:
        return load_private_key(pem)
    except ValueError as exc:
        raise EnvironmentProblem(f"{KEYSTORE_DIR}/{path} is not a usable key: {exc}") from None


@dataclass
class _Key:
    """The key under one root: its keystore secret, loaded (and so decrypted) on first use."""

    path: str
    secret: KeystoreSecret
    created: bool
    loaded: PrivateKey | None = None

    def load(self) -> PrivateKey:
        if self.loaded is None:
            self.loaded = _load_key(self.path, self.secret.reveal())
        return self.loaded


def _key(ctx: Issuance, root: str, certificate_exists: bool) -> _Key:
    """The key under ``root``: reused (still encrypted), or new."""
    path = f"{root}/{KEY_FILE}"
    existing = ctx.ledger.secret(path)
    if existing is not None:
        ctx.ledger.keep(path)
        return _Key(path, existing, False)
    if certificate_exists:
        raise EnvironmentProblem(
            f"{KEYSTORE_DIR}/{root}/{CERT_FILE} exists but its key {KEY_FILE} is missing: "
            "restore it from the repository history. fabgitops does not replace a lost key "
            "on its own, because that changes the identity; to do so on purpose, delete the "
            "certificate too."
        )
    key = ctx.keygen.private_key(path)
    return _Key(path, ctx.ledger.put_secret(path, private_key_pem(key)), True, key)


def _certificate(ctx: Issuance, path: str) -> x509.Certificate | None:
    pem = ctx.ledger.certificate(path)
    if pem is None:
        return None
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise EnvironmentProblem(f"{KEYSTORE_DIR}/{path} is not a certificate: {exc}") from None


def authority(
    ctx: Issuance, root: str, common_name: str, organization: str, subject: Subject
) -> tuple[Authority, CertKey]:
    """Reuse or create the CA kept under ``root`` (``<org>/ca`` or ``<org>/tlsca``).

    A CA certificate is never replaced while its key exists: every certificate of the org and
    every channel config that lists the CA depend on it. A subject change in the configuration
    is reported, not applied. The key is decrypted only when the CA signs, or when no earlier
    compile established that the certificate belongs to it (``keystore.memo``).

    Raises:
        EnvironmentProblem: the CA certificate exists but its key is missing or unreadable.
    """
    cert_path = f"{root}/{CERT_FILE}"
    existing = _certificate(ctx, cert_path)
    key = _key(ctx, root, existing is not None)
    wanted = subject_name(subject, common_name, organization=organization)
    if existing is None:
        serial = ctx.keygen.serial_number(_serial_label(cert_path, name_der(wanted)))
        certificate = self_signed(
            key.load(), common_name, organization, subject, now=ctx.now, serial=serial,
            deterministic=ctx.keygen.deterministic_signatures,
        )
        cert_pem = certificate_pem(certificate)
        ctx.ledger.put(cert_path, cert_pem)
        ctx.establish(ctx.remembered(b"authority", cert_pem, key.secret.token.encode())[0])
        text = f"{'created' if key.created else 'reissued'} CA {common_name} ({root})"
        ctx.notes.append(Note.created(text) if key.created else Note.info(text))
        return Authority(certificate, key.load, subject), CertKey(cert_pem, key.secret)
    kept = ctx.ledger.certificate(cert_path)
    assert kept is not None
    found, known = ctx.remembered(b"authority", kept, key.secret.token.encode())
    if not known and not public_keys_equal(existing.public_key(), key.load().public_key()):
        raise EnvironmentProblem(
            f"{KEYSTORE_DIR}/{cert_path} does not belong to the key next to it"
        )
    ctx.establish(found)
    ctx.ledger.keep(cert_path)
    if name_der(existing.subject) != name_der(wanted):
        ctx.notes.append(Note.warning(
            f"CA {root} keeps its subject {existing.subject.rfc4514_string()}; "
            f"the configuration asks for {wanted.rfc4514_string()}. A CA is not reissued "
            "automatically; retire the org's keystore folder to start a new CA."
        ))
    return Authority(existing, key.load, subject), CertKey(kept, key.secret)


def _sans_of(certificate: x509.Certificate) -> list[x509.GeneralName]:
    try:
        ext = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return list(ext.value)


def _authority_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        ext = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return ext.value.key_identifier


def stale_reason(
    certificate: x509.Certificate,
    issuer: Authority,
    subject: x509.Name,
    sans: Sequence[str],
    key: PrivateKey,
    renew_before: datetime | None,
) -> str | None:
    """Why an existing leaf certificate must be reissued, or None to reuse it."""
    if not public_keys_equal(certificate.public_key(), key.public_key()):
        return "it does not match its key"
    if (name_der(certificate.issuer) != name_der(issuer.certificate.subject)
            or _authority_key_id(certificate) != issuer.key_id):
        return "it was issued by another CA"
    if name_der(certificate.subject) != name_der(subject):
        return "the subject changed"
    if _sans_of(certificate) != alternative_names(sans):
        return "the SANs changed"
    if renew_before is not None and certificate.not_valid_after_utc <= renew_before:
        return f"it expires {certificate.not_valid_after_utc:%Y-%m-%d}"
    return None


def leaf(
    ctx: Issuance,
    root: str,
    issuer: Authority,
    common_name: str,
    profile: Profile,
    *,
    node_ous: Sequence[str] = (),
    sans: Sequence[str] = (),
) -> tuple[CertKey, bool]:
    """Reuse or issue the leaf pair kept under ``root`` (an identity's ``msp`` or ``tls``).

    A kept pair that an earlier compile found fresh for the same inputs (certificate, key,
    issuer, subject fields, SANs: a ``keystore.memo`` fact) is reused without decrypting its key
    or parsing its certificate; otherwise :func:`stale_reason` decides, on the decrypted key.

    Returns:
        The pair, and whether its key was created now (a new identity).
    """
    cert_path = f"{root}/{CERT_FILE}"
    pem = ctx.ledger.certificate(cert_path)
    key = _key(ctx, root, pem is not None)
    inputs = (key.secret.token.encode(), issuer.certificate_der, repr(issuer.subject).encode(),
              common_name.encode(), "\0".join(node_ous).encode(), "\0".join(sans).encode())
    subject = leaf_subject(issuer, common_name, node_ous) if pem is None else None
    if pem is not None:
        found, known = ctx.remembered(b"leaf", pem, *inputs)
        if not known or ctx.renew_before is not None:
            existing = _certificate(ctx, cert_path)
            assert existing is not None
            subject = leaf_subject(issuer, common_name, node_ous)
            reason = stale_reason(existing, issuer, subject, sans, key.load(), ctx.renew_before)
            known = reason is None
            if reason is not None:
                ctx.notes.append(Note.info(f"reissued {cert_path} with its key: {reason}"))
        if known:
            ctx.establish(found)
            ctx.ledger.keep(cert_path)
            return CertKey(pem, key.secret), key.created
    assert subject is not None
    not_before, _ = validity(ctx.now)
    label = _serial_label(
        cert_path, name_der(subject), repr(list(sans)).encode(), not_before.isoformat().encode()
    )
    certificate = sign_leaf(
        issuer, key.load().public_key(), common_name, profile, node_ous=node_ous, sans=sans,
        now=ctx.now, serial=ctx.keygen.serial_number(label),
        deterministic=ctx.keygen.deterministic_signatures, subject=subject,
    )
    pem = certificate_pem(certificate)
    ctx.ledger.put(cert_path, pem)
    if issuer.consistent_key_id:
        # Fresh by construction: its key, the issuer's subject and key id, the wanted subject
        # and SANs; what stale_reason would find next time without renewal (tests compare).
        ctx.establish(ctx.remembered(b"leaf", pem, *inputs)[0])
    return CertKey(pem, key.secret), key.created
