"""The stage's output against what the real cryptogen v2.5.16 wrote for the same configs.

Ground truth (layouts, public certificates, config.yaml) is in data/cryptogen/; see its README.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from fabgitops.crypto import CryptoMaterial, export_crypto
from fabgitops.crypto.ca import Authority, Profile, sign_leaf
from fabgitops.crypto.keys import load_private_key
from fabgitops.crypto.msp import node_ou_config
from fabgitops.plan import Subject
from tests.conftest import PRIVATE_KEY_PEM
from tests.crypto.certs import profile, sans
from tests.crypto.conftest import CRYPTOGEN, NOW, DeterministicKeyGen, IssueFn

ORG1 = "peerOrganizations/org1.example.com"
ORG2 = "peerOrganizations/org2.example.com"
ORD = "ordererOrganizations/ord.example.com"

# Our file in cryptogen's layout -> the file cryptogen wrote for the same identity.
PARITY = {
    f"{ORG1}/ca/myca.org1.example.com-cert.pem": "org1-ca.pem",
    f"{ORG1}/tlsca/tlsmyca.org1.example.com-cert.pem": "org1-tlsca.pem",
    f"{ORG1}/peers/alpha.org1.example.com/tls/server.crt": "org1-alpha-tls.pem",
    f"{ORG1}/peers/alpha.org1.example.com/msp/signcerts/alpha.org1.example.com-cert.pem":
        "org1-alpha-sign.pem",
    f"{ORG1}/users/User1@org1.example.com/tls/client.crt": "org1-user1-tls.pem",
    f"{ORG1}/users/User1@org1.example.com/msp/signcerts/User1@org1.example.com-cert.pem":
        "org1-user1-sign.pem",
    f"{ORG1}/users/Admin@org1.example.com/msp/signcerts/Admin@org1.example.com-cert.pem":
        "org1-admin-sign.pem",
    f"{ORG2}/ca/ca.org2.example.com-cert.pem": "org2-ca.pem",
    f"{ORG2}/peers/peer0.org2.example.com/msp/signcerts/peer0.org2.example.com-cert.pem":
        "org2-peer0-sign.pem",
    f"{ORG2}/peers/peer0.org2.example.com/tls/server.crt": "org2-peer0-tls.pem",
    f"{ORG2}/users/Admin@org2.example.com/msp/signcerts/Admin@org2.example.com-cert.pem":
        "org2-admin-sign.pem",
    f"{ORG2}/users/Admin@org2.example.com/tls/client.crt": "org2-admin-tls.pem",
    f"{ORD}/ca/ca.ord.example.com-cert.pem": "ord-ca.pem",
    f"{ORD}/orderers/orderer.ord.example.com/msp/signcerts/orderer.ord.example.com-cert.pem":
        "ord-orderer-sign.pem",
    f"{ORD}/orderers/orderer.ord.example.com/tls/server.crt": "ord-orderer-tls.pem",
    f"{ORD}/users/Admin@ord.example.com/msp/signcerts/Admin@ord.example.com-cert.pem":
        "ord-admin-sign.pem",
}


def _cryptogen(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((CRYPTOGEN / name).read_bytes())


def _layout(root: Path) -> list[str]:
    entries = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
    entries += [f"{p.relative_to(root)}/" for p in root.rglob("*")
                if p.is_dir() and not any(p.iterdir())]
    return sorted(entries)


@pytest.mark.parametrize("name", ["article", "complex"])
def test_exported_tree_has_exactly_cryptogens_files_and_empty_dirs(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    material: CryptoMaterial = request.getfixturevalue(f"{name}_material")
    export_crypto(material, tmp_path / "crypto-config")
    expected = (CRYPTOGEN / f"{name}.layout.txt").read_text().split()
    assert _layout(tmp_path / "crypto-config") == expected


@pytest.mark.parametrize("path", sorted(PARITY))
def test_certificate_profile_matches_cryptogen(complex_material: CryptoMaterial, path: str) -> None:
    """Subject and issuer RDNs (order, values, PrintableString/UTF8String, multi-valued OU),
    extensions (order, criticality, DER values), validity length and rounding, serial size,
    curve and low-S all equal cryptogen's; SANs are compared separately below."""
    ours = profile(x509.load_pem_x509_certificate(complex_material.files[path]), with_san=False)
    theirs = profile(_cryptogen(PARITY[path]), with_san=False)
    # cryptogen self-signs CAs without its low-S signer (ca.go L84-91), so its CA certs are
    # low-S only by chance; ours always are (checked for every cert in test_profiles).
    assert ours.pop("low_s") is True
    if "/ca/" not in path and "/tlsca/" not in path:
        assert theirs["low_s"] is True
    theirs.pop("low_s")
    assert ours == theirs


@pytest.mark.parametrize("path", [p for p in sorted(PARITY) if p.endswith(".crt")])
def test_tls_sans_are_cryptogens_then_the_plans_cluster_names(
    complex_material: CryptoMaterial, path: str
) -> None:
    ours = sans(x509.load_pem_x509_certificate(complex_material.files[path]))
    theirs = sans(_cryptogen(PARITY[path]))
    dns = [n for n in theirs if isinstance(n, x509.DNSName)]
    ips = [n for n in theirs if isinstance(n, x509.IPAddress)]
    # All DNS names first (cryptogen's, then in-cluster Service names), IPs last, as Go writes.
    assert ours[: len(dns)] == dns
    assert ours[len(ours) - len(ips):] == ips
    extra = ours[len(dns): len(ours) - len(ips)]
    assert all(isinstance(n, x509.DNSName) and ".svc" in n.value for n in extra)
    if "/users/" in path:
        assert ours == theirs == []


def test_tls_certificate_with_cryptogens_sans_is_identical_in_profile() -> None:
    """At the ca layer, with cryptogen's own SAN list, even the SAN extension is identical
    (DNS names in order, then IPv4 in 4 bytes and IPv6 in 16)."""
    keygen = DeterministicKeyGen()
    ca_cert = _cryptogen("org1-tlsca.pem")
    # cryptogen's CA key is not stored: sign with our key under cryptogen's CA subject and SKI.
    key = keygen.private_key("ca")
    subject = Subject("DE", "Bayern", "München", "Blockchain Dept", "Main St 1", "80331")
    authority = Authority(ca_cert, key, subject)
    theirs = _cryptogen("org1-alpha-tls.pem")
    ours = sign_leaf(
        authority, keygen.private_key("leaf").public_key(), "alpha.org1.example.com",
        Profile.TLS,
        sans=["alpha.org1.example.com", "alpha", "alpha.internal", "192.168.1.10", "::1"],
        now=NOW, serial=keygen.serial_number("s"), deterministic=True,
    )
    assert profile(ours) == profile(theirs)
    assert ours.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        == theirs.extensions.get_extension_for_class(x509.SubjectAlternativeName).value


def test_node_ou_config_yaml_is_byte_identical_to_cryptogens(
    complex_material: CryptoMaterial,
) -> None:
    v2 = (CRYPTOGEN / "org2-config.yaml").read_bytes()
    v3 = (CRYPTOGEN / "org2-config-v3.yaml").read_bytes()
    assert node_ou_config("cacerts/ca.org2.example.com-cert.pem") == v2
    assert node_ou_config("cacerts/ca.org2.example.com-cert.pem", indent=4) == v3
    # The complex network runs Fabric 3.1 (the default): it gets cryptogen 3.x's file.
    for path in [f"{ORG2}/msp/config.yaml",
                 f"{ORG2}/peers/peer0.org2.example.com/msp/config.yaml",
                 f"{ORG2}/users/Admin@org2.example.com/msp/config.yaml"]:
        assert complex_material.files[path] == v3


def test_private_keys_are_pkcs8_pem_like_gos(article_material: CryptoMaterial) -> None:
    keys = {p: c for p, c in article_material.files.items() if p.endswith(("priv_sk", ".key"))}
    # The article: 3 orgs with 2 CAs each, 5 nodes + 3 admins + 2 users with 2 keys each.
    assert len(keys) == 3 * 2 + (5 + 3 + 2) * 2
    for content in keys.values():
        assert content.startswith(PRIVATE_KEY_PEM + b"\n")
        assert load_private_key(content).curve.name == "secp256r1"


def test_fabric_2_5_networks_get_cryptogen_2_5s_config_yaml(
    complex_text: str, compile_crypto: IssueFn
) -> None:
    material = compile_crypto('Network: {FabricVersion: "2.5"}\n' + complex_text)
    assert material.files[f"{ORG2}/msp/config.yaml"] == (CRYPTOGEN / "org2-config.yaml"
                                                          ).read_bytes()
