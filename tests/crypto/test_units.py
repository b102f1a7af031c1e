"""Unit rules of the keys and ca layers, credentials and export."""

from __future__ import annotations

import ipaddress
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from fabgitops.crypto import CryptoMaterial, export_crypto
from fabgitops.crypto.ca import name_der, parse_ip, subject_name, validity
from fabgitops.crypto.keys import HALF_ORDER, SystemKeyGen, is_low_s, to_low_s
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.credentials import credential_path, password_from
from fabgitops.plan import Subject
from tests.conftest import PRIVATE_KEY_PEM
from tests.crypto.conftest import DeterministicKeyGen
from tests.render.networks import NETWORKS
from tests.render.support import plan_of


def _high_s_certificate() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = DeterministicKeyGen().private_key("k")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    for serial in range(1, 200):
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(datetime(2026, 1, 1)).not_valid_after(datetime(2027, 1, 1))
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        if not is_low_s(certificate.signature):
            return certificate, key
    raise AssertionError("no high-S signature in 200 tries")


def test_to_low_s_rewrites_only_the_signature() -> None:
    high, key = _high_s_certificate()
    low = to_low_s(high)
    r_high, s_high = decode_dss_signature(high.signature)
    r_low, s_low = decode_dss_signature(low.signature)
    assert s_high > HALF_ORDER >= s_low and r_low == r_high
    assert low.tbs_certificate_bytes == high.tbs_certificate_bytes
    key.public_key().verify(low.signature, low.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    assert to_low_s(low) is low


@pytest.mark.parametrize(("now", "not_before"), [
    (datetime(2026, 3, 1, 12, 34, 29, 999999, tzinfo=UTC),
     datetime(2026, 3, 1, 12, 29, tzinfo=UTC)),
    (datetime(2026, 3, 1, 12, 34, 30, tzinfo=UTC), datetime(2026, 3, 1, 12, 30, tzinfo=UTC)),
    (datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 1, 23, 55, tzinfo=UTC)),
    (datetime(2026, 3, 1, 14, 0, 0, tzinfo=timezone(timedelta(hours=2))),
     datetime(2026, 3, 1, 11, 55, tzinfo=UTC)),
])
def test_validity_rounds_half_up_backdates_and_uses_utc(
    now: datetime, not_before: datetime
) -> None:
    start, end = validity(now)
    assert start == not_before and start.tzinfo == UTC
    assert end - start == timedelta(days=3650)


def test_validity_rejects_a_naive_clock() -> None:
    with pytest.raises(ValueError, match="aware"):
        validity(datetime(2026, 1, 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("10.0.0.1", "10.0.0.1"), ("::1", "::1"), ("::ffff:10.0.0.1", "10.0.0.1"),
    ("fe80::1%eth0", None), ("010.0.0.1", None), ("peer0", None), ("1.2.3", None),
])
def test_parse_ip_follows_go(text: str, expected: str | None) -> None:
    result = parse_ip(text)
    assert result == (ipaddress.ip_address(expected) if expected else None)


def test_subject_string_types_follow_go_asn1() -> None:
    name = subject_name(Subject(locality="Zürich", organizational_unit="R&D *"),
                        "User1@org1", node_ous=["client"])
    types = {(a.oid, str(a.value)): a._type.name for a in name}
    assert types[(NameOID.LOCALITY_NAME, "Zürich")] == "UTF8String"
    assert types[(NameOID.ORGANIZATIONAL_UNIT_NAME, "R&D *")] == "UTF8String"
    assert types[(NameOID.COMMON_NAME, "User1@org1")] == "UTF8String"
    assert types[(NameOID.ORGANIZATIONAL_UNIT_NAME, "client")] == "PrintableString"
    assert types[(NameOID.COUNTRY_NAME, "US")] == "PrintableString"
    # One multi-valued OU RDN, between L and CN.
    assert [len(rdn) for rdn in name.rdns] == [1, 1, 1, 2, 1]


def test_long_common_names_are_accepted_like_go() -> None:
    cn = "peer0." + "x" * 70 + ".example.com"
    assert cn in name_der(subject_name(Subject(), cn)).decode("latin-1")


def test_system_keygen_serials_and_keys() -> None:
    keygen = SystemKeyGen()
    serials = {keygen.serial_number("") for _ in range(50)}
    assert len(serials) == 50 and all(0 < s < 2**128 for s in serials)
    assert keygen.private_key("").curve.name == "secp256r1"
    assert len(keygen.random_bytes("", 32)) == 32


def test_passwords_and_credential_names() -> None:
    assert password_from(bytes(32)) == "0" * 43
    assert password_from(b"\xff" * 32) != password_from(b"\xfe" + b"\xff" * 31)
    assert credential_path("org1/ca-admin-password") == "credentials/org1/ca-admin-password.age"
    for bad in ("../x", "/abs", "a//b", "a b", ""):
        with pytest.raises(ValueError, match="invalid credential name"):
            credential_path(bad)
    with pytest.raises(ValueError, match="32 random bytes"):
        password_from(b"short")


def test_export_modes_and_refusal(article_material: CryptoMaterial, tmp_path: Path) -> None:
    out = tmp_path / "crypto-config"
    written = export_crypto(article_material, out)
    assert len(written) == len(article_material.files)
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}
    dirs = [p for p in out.rglob("*") if p.is_dir()] + [out]
    assert {stat.S_IMODE(p.stat().st_mode) for p in dirs} == {0o700}
    key = out / "peerOrganizations/org1/peers/peer0.org1/msp/keystore/priv_sk"
    assert key.read_bytes().startswith(PRIVATE_KEY_PEM)
    with pytest.raises(EnvironmentProblem, match="not an empty directory"):
        export_crypto(article_material, out)


def test_an_imported_orgs_tls_root_is_every_file_below_its_tlscacerts_in_path_order() -> None:
    org1, org2 = plan_of(NETWORKS["article"]).peer_orgs
    msp1, msp2 = f"{org1.crypto_dir}/msp", f"{org2.crypto_dir}/msp"
    imported = {f"{msp1}/tlscacerts/b.pem": b"B", f"{msp1}/tlscacerts/a.pem": b"A",
                f"{msp1}/tlscacerts/sub/c.pem": b"C", f"{msp1}/cacerts/ca.pem": b"X",
                f"{msp2}/tlscacerts/z.pem": b"Z"}
    material = CryptoMaterial(orgs={}, keystore={}, secret_credentials={}, imported=imported)
    assert material.tls_root_pem(org1) == b"ABC"
    assert material.tls_root_pem(org2) == b"Z"
    assert material.tls_root_pem(plan_of(NETWORKS["article"]).orderer_orgs[0]) == b""
