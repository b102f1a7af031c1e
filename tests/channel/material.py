"""Crypto material in cryptogen's layout for the channel tests, generated with ``cryptography``.

Only what configtxgen reads is produced (cryptogen's layout, cmd/cryptogen/main.go and
internal/cryptogen/msp/msp.go): each org's verifying MSP
(``msp/cacerts``, ``msp/tlscacerts``, ``msp/admincerts`` and ``msp/config.yaml``) and, for each
orderer, ``tls/server.crt`` and ``msp/signcerts/<cn>-cert.pem``. Keys are generated in memory and
thrown away; nothing private is ever written.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fabgitops import yamlio
from fabgitops.plan import NodeKind, Org, Plan

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)


def _name(cn: str, ou: str | None = None, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
             x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "California"),
             x509.NameAttribute(NameOID.LOCALITY_NAME, "San Francisco")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


class _CA:
    """A self-signed CA as cryptogen makes it (O = the org domain, SKI = SHA-256 of the point)."""

    def __init__(self, cn: str, domain: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        self.ski = hashlib.sha256(point).digest()
        self.name = _name(cn, org=domain)
        self.cert = (self._builder(self.name, self.key.public_key())
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .add_extension(x509.SubjectKeyIdentifier(self.ski), False)
                     .sign(self.key, hashes.SHA256()))

    def _builder(self, subject: x509.Name,
                 key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(self.name)
                .public_key(key).serial_number(x509.random_serial_number())
                .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + timedelta(days=3650)))

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, cn: str, *, ou: str | None = None, sans: tuple[str, ...] = ()) -> bytes:
        """A leaf certificate (PEM) for a fresh key: TLS when ``sans`` are given."""
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        builder = (self._builder(_name(cn, ou=ou), key)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                   .add_extension(x509.AuthorityKeyIdentifier(self.ski, None, None), False))
        if sans:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                   ExtendedKeyUsageOID.CLIENT_AUTH]), False)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def node_ous_config(ca_file: str) -> bytes:
    """cryptogen's msp/config.yaml with NodeOUs on (internal/cryptogen/msp/msp.go exportConfig)."""
    identifiers = {f"{kind.capitalize()}OUIdentifier": {
        "Certificate": f"cacerts/{ca_file}", "OrganizationalUnitIdentifier": kind}
        for kind in ("client", "peer", "admin", "orderer")}
    return yamlio.dump({"NodeOUs": {"Enable": True, **identifiers}}).encode()


def org_material(org: Org) -> dict[str, bytes]:
    """The verifying MSP of one org and, for an orderer org, each orderer's certificates."""
    ca = _CA(org.ca.common_name, org.domain)
    tlsca = _CA(org.ca.tls_common_name, org.domain)
    base = org.crypto_dir
    ca_file = f"{org.ca.common_name}-cert.pem"
    files = {
        f"{base}/msp/cacerts/{ca_file}": ca.pem(),
        f"{base}/msp/tlscacerts/{org.ca.tls_common_name}-cert.pem": tlsca.pem(),
    }
    admin = org.admin.common_name
    if org.enable_node_ous:
        files[f"{base}/msp/config.yaml"] = node_ous_config(ca_file)
    else:
        files[f"{base}/msp/admincerts/{admin}-cert.pem"] = ca.issue(admin)
    if org.kind is NodeKind.ORDERER:
        for node in org.nodes:
            cn = node.identity.common_name
            ou = "orderer" if org.enable_node_ous else None
            files[f"{base}/orderers/{cn}/msp/signcerts/{cn}-cert.pem"] = ca.issue(cn, ou=ou)
            files[f"{base}/orderers/{cn}/tls/server.crt"] = tlsca.issue(
                cn, sans=node.identity.sans)
    return files


def admin_material(org: Org) -> dict[str, bytes]:
    """The org admin's signing certificate and key (``users/Admin@<domain>/msp``), which sign
    channel updates; the key is generated here and lives only in memory."""
    key = ec.generate_private_key(ec.SECP256R1())
    cn = org.admin.common_name
    ou = "admin" if org.enable_node_ous else None
    cert = (x509.CertificateBuilder().subject_name(_name(cn, ou=ou)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    base = f"{org.crypto_dir}/users/{cn}/msp"
    return {f"{base}/signcerts/{cn}-cert.pem": cert.public_bytes(serialization.Encoding.PEM),
            f"{base}/keystore/priv_sk": key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())}


def plan_material(plan: Plan) -> dict[str, bytes]:
    """Material for every org of the plan, admin signing keys included."""
    out: dict[str, bytes] = {}
    for org in plan.orgs:
        out.update(org_material(org))
        out.update(admin_material(org))
    return out
