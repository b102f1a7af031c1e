"""Certificate profiles per role, chains, keys and MSP contents, for the article network and a
network with Specs, Template.Start/Hostname, SANS with IPs, NodeOUs on and off and a custom CA
subject (the expected values restate cryptogen's rules: cmd/cryptogen/main.go and
internal/cryptogen/{ca,csp,msp})."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store

from fabgitops.crypto import CryptoMaterial
from fabgitops.crypto.keys import is_low_s, load_private_key
from fabgitops.crypto.msp import cert_filename
from fabgitops.plan import Identity, Org, Plan
from tests.crypto.certs import sans
from tests.crypto.conftest import load_plan

NOT_BEFORE = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
Rdns = list[list[tuple[x509.ObjectIdentifier, str]]]


@pytest.fixture(params=["article", "complex"])
def case(request: pytest.FixtureRequest) -> tuple[Plan, CryptoMaterial]:
    text = request.getfixturevalue(f"{request.param}_text")
    return load_plan(text), request.getfixturevalue(f"{request.param}_material")


def _cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def _identities(plan: Plan) -> Iterator[tuple[Org, Identity]]:
    for org in plan.orgs:
        for node in org.nodes:
            yield org, node.identity
        for user in org.users:
            yield org, user


def _expected_base(org: Org) -> list[tuple[x509.ObjectIdentifier, str]]:
    s = org.ca.subject
    fields = [(NameOID.COUNTRY_NAME, s.country), (NameOID.STATE_OR_PROVINCE_NAME, s.province),
              (NameOID.LOCALITY_NAME, s.locality),
              (NameOID.STREET_ADDRESS, s.street_address), (NameOID.POSTAL_CODE, s.postal_code)]
    return [(oid, v) for oid, v in fields if v]


def _rdns(name: x509.Name) -> Rdns:
    return [sorted(((a.oid, str(a.value)) for a in rdn), key=lambda x: x[1]) for rdn in name.rdns]


def _expected_subject(org: Org, cn: str, ous: list[str], o: bool = False) -> Rdns:
    """C, ST, L, STREET, POSTALCODE, [O], one multi-valued OU RDN (CA OU + node OU), CN."""
    rdns = [[field] for field in _expected_base(org)]
    if o:
        rdns.append([(NameOID.ORGANIZATION_NAME, org.domain)])
    ca_ou = org.ca.subject.organizational_unit
    all_ous = ([ca_ou] if ca_ou else []) + ous
    if all_ous:
        rdns.append(sorted(((NameOID.ORGANIZATIONAL_UNIT_NAME, ou) for ou in all_ous),
                           key=lambda x: x[1]))
    rdns.append([(NameOID.COMMON_NAME, cn)])
    return rdns


def _ski(certificate: x509.Certificate) -> bytes:
    point = certificate.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha256(point).digest()


def _common_checks(certificate: x509.Certificate) -> None:
    assert certificate.not_valid_before_utc == NOT_BEFORE
    assert certificate.not_valid_after_utc == NOT_BEFORE + timedelta(days=3650)
    assert 0 < certificate.serial_number < 2**128
    assert is_low_s(certificate.signature)
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).critical
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).critical


def test_ca_certificates(case: tuple[Plan, CryptoMaterial]) -> None:
    plan, material = case
    checked = 0
    for org in plan.orgs:
        for folder, cn in (("ca", org.ca.common_name), ("tlsca", org.ca.tls_common_name)):
            checked += 1
            path = f"{org.crypto_dir}/{folder}/{cert_filename(cn)}"
            certificate = _cert(material.files[path])
            _common_checks(certificate)
            assert certificate.issuer == certificate.subject
            assert _rdns(certificate.subject) == _expected_subject(org, cn, [], o=True)
            ext = certificate.extensions
            assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is True
            assert ext.get_extension_for_class(x509.BasicConstraints).value.path_length is None
            ku = ext.get_extension_for_class(x509.KeyUsage).value
            assert (ku.digital_signature, ku.key_encipherment, ku.key_cert_sign, ku.crl_sign) \
                == (True, True, True, True)
            assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) \
                == [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            assert ext.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest \
                == _ski(certificate)
            assert [e.oid for e in ext] == [x509.OID_KEY_USAGE, x509.OID_EXTENDED_KEY_USAGE,
                                            x509.OID_BASIC_CONSTRAINTS,
                                            x509.OID_SUBJECT_KEY_IDENTIFIER]
            certificate.verify_directly_issued_by(certificate)
            key = load_private_key(material.files[f"{org.crypto_dir}/{folder}/priv_sk"])
            assert key.public_key() == certificate.public_key()
    # Every CA of the tree was checked: each org has a ca/ and a tlsca/ folder with a key.
    cas = [p for p in material.files if re.fullmatch(r"[^/]+/[^/]+/(ca|tlsca)/priv_sk", p)]
    assert checked == len(cas) == 2 * len(plan.orgs) > 0


def _verify(leaf: x509.Certificate, root: x509.Certificate, dns: str | None = None) -> None:
    """Full RFC 5280 path validation (webpki CA rules) with cryptography's verifier."""
    builder = PolicyBuilder().store(Store([root])).time(NOT_BEFORE + timedelta(days=1))
    if dns is not None:
        chain = builder.build_server_verifier(x509.DNSName(dns)).verify(leaf, [])
    else:
        builder = builder.extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        chain = builder.build_client_verifier().verify(leaf, []).chain
    assert chain[-1] == root


def test_enrollment_certificates(case: tuple[Plan, CryptoMaterial]) -> None:
    plan, material = case
    identities = list(_identities(plan))
    # One identity per signing certificate of the tree: the loop checks every one.
    assert len(identities) == sum(1 for p in material.files if "/msp/signcerts/" in p) > 0
    for org, identity in identities:
        local = material.local_msp(org, identity)
        certificate = _cert(local[f"signcerts/{cert_filename(identity.common_name)}"])
        ca = _cert(local[f"cacerts/{cert_filename(org.ca.common_name)}"])
        _common_checks(certificate)
        node_ou = [identity.role.value] if org.enable_node_ous else []
        assert _rdns(certificate.subject) == _expected_subject(org, identity.common_name, node_ou)
        assert certificate.issuer.public_bytes() == ca.subject.public_bytes()
        ext = certificate.extensions
        assert [e.oid for e in ext] == [x509.OID_KEY_USAGE, x509.OID_BASIC_CONSTRAINTS,
                                        x509.OID_AUTHORITY_KEY_IDENTIFIER]
        ku = ext.get_extension_for_class(x509.KeyUsage).value
        assert ku.digital_signature and not (ku.key_encipherment or ku.key_cert_sign)
        assert ext.get_extension_for_class(x509.BasicConstraints).value.ca is False
        assert ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier \
            == _ski(ca)
        _verify(certificate, ca)
        assert load_private_key(local["keystore/priv_sk"]).public_key() \
            == certificate.public_key()


def _expected_sans(identity: Identity) -> list[x509.GeneralName]:
    dns: list[x509.GeneralName] = []
    ips: list[x509.GeneralName] = []
    for san in identity.sans:
        try:
            ips.append(x509.IPAddress(ipaddress.ip_address(san)))
        except ValueError:
            dns.append(x509.DNSName(san))
    return dns + ips


def test_tls_certificates(case: tuple[Plan, CryptoMaterial]) -> None:
    plan, material = case
    identities = list(_identities(plan))
    assert len(identities) == sum(1 for p in material.files
                                  if p.endswith(("/tls/server.crt", "/tls/client.crt"))) > 0
    for org, identity in identities:
        files = material.tls(org, identity)
        prefix = "client" if identity.is_user else "server"
        assert sorted(files) == ["ca.crt", f"{prefix}.crt", f"{prefix}.key"]
        certificate, ca = _cert(files[f"{prefix}.crt"]), _cert(files["ca.crt"])
        assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value \
            == org.ca.tls_common_name
        _common_checks(certificate)
        # The TLS certificate never carries the node OU (msp.go L144-148).
        assert _rdns(certificate.subject) == _expected_subject(org, identity.common_name, [])
        ext = certificate.extensions
        expected_oids = [x509.OID_KEY_USAGE, x509.OID_EXTENDED_KEY_USAGE,
                         x509.OID_BASIC_CONSTRAINTS, x509.OID_AUTHORITY_KEY_IDENTIFIER]
        if identity.is_user:
            assert sans(certificate) == [] and identity.sans == ()
        else:
            expected_oids.append(x509.OID_SUBJECT_ALTERNATIVE_NAME)
            assert sans(certificate) == _expected_sans(identity)
            assert sans(certificate)[:1] == [x509.DNSName(identity.common_name)]
        assert [e.oid for e in ext] == expected_oids
        ku = ext.get_extension_for_class(x509.KeyUsage).value
        assert ku.digital_signature and ku.key_encipherment and not ku.key_cert_sign
        assert list(ext.get_extension_for_class(x509.ExtendedKeyUsage).value) \
            == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        _verify(certificate, ca, None if identity.is_user else identity.common_name)
        assert load_private_key(files[f"{prefix}.key"]).public_key() == certificate.public_key()


def test_ip_sans_become_ip_addresses(complex_material: CryptoMaterial) -> None:
    files = complex_material.tls("Org1", "alpha.org1.example.com")
    names = sans(_cert(files["server.crt"]))
    assert names[-2:] == [x509.IPAddress(ipaddress.ip_address("192.168.1.10")),
                          x509.IPAddress(ipaddress.ip_address("::1"))]
    assert x509.DNSName("alpha.internal") in names


def test_ca_server_tls_pair(case: tuple[Plan, CryptoMaterial]) -> None:
    plan, material = case
    for org in plan.orgs:
        pair = material.ca_server_tls(org)
        certificate = pair.certificate
        _common_checks(certificate)
        tlsca = material.tls_ca(org).certificate
        assert sans(certificate)[0] == x509.DNSName(org.ca.common_name)
        assert x509.DNSName("localhost") in sans(certificate)
        _verify(certificate, tlsca, org.ca.common_name)
        assert load_private_key(pair.key_pem).public_key() == certificate.public_key()
        assert material.signing_ca(org).key_pem == material.files[f"{org.crypto_dir}/ca/priv_sk"]
        assert not any(pair.cert_pem == content for content in material.files.values())
    assert plan.orgs


def test_every_certificate_is_low_s(case: tuple[Plan, CryptoMaterial]) -> None:
    _, material = case
    pems = [c for p, c in material.files.items() if p.endswith((".pem", ".crt"))]
    assert len(pems) > 20
    assert all(is_low_s(_cert(pem).signature) for pem in pems)


def _admincerts(files: Mapping[str, bytes]) -> dict[str, bytes]:
    return {p.removeprefix("admincerts/"): c for p, c in files.items()
            if p.startswith("admincerts/")}


def test_admincerts_follow_copy_admin_cert(case: tuple[Plan, CryptoMaterial]) -> None:
    """NodeOUs off: the org MSP and every node hold Admin@'s cert, each user its own cert
    (main.go copyAdminCert, msp.go GenerateLocalMSP). NodeOUs on: all empty, config.yaml."""
    plan, material = case
    checked = 0
    for org in plan.orgs:
        admin = org.admin.common_name
        admin_cert = material.local_msp(org, org.admin)[f"signcerts/{cert_filename(admin)}"]
        verifying = material.verifying_msp(org)
        for org_id, identity in _identities(plan):
            if org_id is not org:
                continue
            checked += 1
            local = material.local_msp(org, identity)
            expected_config = "config.yaml" in verifying
            assert ("config.yaml" in local) is expected_config is org.enable_node_ous
            if org.enable_node_ous:
                assert _admincerts(local) == {}
                assert local["config.yaml"] == verifying["config.yaml"]
            elif identity.is_user:
                own = local[f"signcerts/{cert_filename(identity.common_name)}"]
                assert _admincerts(local) == {cert_filename(identity.common_name): own}
            else:
                assert _admincerts(local) == {cert_filename(admin): admin_cert}
        expected = {} if org.enable_node_ous else {cert_filename(admin): admin_cert}
        assert _admincerts(verifying) == expected
        assert not any(p.startswith(("keystore/", "signcerts/")) for p in verifying)
    assert checked == len(list(_identities(plan))) > len(plan.orgs) > 0
