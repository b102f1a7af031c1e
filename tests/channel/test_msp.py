"""The MSP value: what configtxgen's getMspConfig reads from an org's MSP directory."""

from __future__ import annotations

import pytest

from fabgitops.channel._pb import msp_config
from fabgitops.channel.msp import msp_config_value, pem_files
from fabgitops.errors import EnvironmentProblem

from .material import _CA, node_ous_config

MSP = "peerOrganizations/org1/msp"


@pytest.fixture(scope="module")
def certs() -> dict[str, bytes]:
    ca, tlsca, other = _CA("ca.org1", "org1"), _CA("tlsca.org1", "org1"), _CA("ica.org1", "org1")
    return {"ca": ca.pem(), "tlsca": tlsca.pem(), "ica": other.pem(),
            "admin": ca.issue("Admin@org1")}


def _fabric(material: dict[str, bytes], msp_id: str = "Org1MSP") -> msp_config.FabricMSPConfig:
    value = msp_config_value(material, MSP, msp_id)
    assert value.type == 0  # FABRIC
    return msp_config.FabricMSPConfig.FromString(value.config)


def test_whole_pem_files_in_directory_order(certs: dict[str, bytes]) -> None:
    material = {
        f"{MSP}/cacerts/z-ca.pem": certs["ca"],
        f"{MSP}/cacerts/a-ica.pem": certs["ica"],
        f"{MSP}/cacerts/README": b"not a certificate",  # skipped, as readPemFile does
        f"{MSP}/cacerts/sub/deeper.pem": certs["tlsca"],  # subdirectories are ignored
        f"{MSP}/tlscacerts/tlsca.pem": certs["tlsca"],
        f"{MSP}/admincerts/Admin@org1-cert.pem": certs["admin"],
        f"{MSP}/intermediatecerts/i.pem": certs["ica"],
        f"{MSP}/tlsintermediatecerts/t.pem": certs["ica"],
    }
    fabric = _fabric(material)
    assert fabric.name == "Org1MSP"
    assert list(fabric.root_certs) == [certs["ica"], certs["ca"]]  # sorted by file name
    assert list(fabric.tls_root_certs) == [certs["tlsca"]]
    assert list(fabric.admins) == [certs["admin"]]
    assert list(fabric.intermediate_certs) == [certs["ica"]]
    assert list(fabric.tls_intermediate_certs) == [certs["ica"]]
    assert list(fabric.revocation_list) == []
    assert not fabric.HasField("signing_identity")  # a verifying MSP
    assert not fabric.HasField("fabric_node_ous")
    assert fabric.crypto_config.signature_hash_family == "SHA2"
    assert fabric.crypto_config.identity_identifier_hash_function == "SHA256"


def test_tls_intermediates_need_tls_roots(certs: dict[str, bytes]) -> None:
    fabric = _fabric({f"{MSP}/cacerts/ca.pem": certs["ca"],
                      f"{MSP}/tlsintermediatecerts/t.pem": certs["ica"]})
    assert list(fabric.tls_root_certs) == []
    assert list(fabric.tls_intermediate_certs) == []


def test_node_ous_point_at_the_ca_certificate(certs: dict[str, bytes]) -> None:
    material = {f"{MSP}/cacerts/ca.org1-cert.pem": certs["ca"],
                f"{MSP}/config.yaml": node_ous_config("ca.org1-cert.pem")}
    ous = _fabric(material).fabric_node_ous
    assert ous.enable
    for field, name in (("client_ou_identifier", "client"), ("peer_ou_identifier", "peer"),
                        ("admin_ou_identifier", "admin"), ("orderer_ou_identifier", "orderer")):
        identifier = getattr(ous, field)
        assert identifier.organizational_unit_identifier == name
        assert identifier.certificate == certs["ca"]


def test_config_yaml_details(certs: dict[str, bytes]) -> None:
    config = b"""
OrganizationalUnitIdentifiers:
  - Certificate: ./cacerts/ca.pem
    OrganizationalUnitIdentifier: COP
NodeOUs:
  Enable: true
  ClientOUIdentifier: {Certificate: cacerts/missing.pem, OrganizationalUnitIdentifier: client}
  PeerOUIdentifier: {OrganizationalUnitIdentifier: peer}
  AdminOUIdentifier: {Certificate: cacerts/ca.pem}
"""
    fabric = _fabric({f"{MSP}/cacerts/ca.pem": certs["ca"], f"{MSP}/config.yaml": config})
    assert [(o.certificate, o.organizational_unit_identifier)
            for o in fabric.organizational_unit_identifiers] == [(certs["ca"], "COP")]
    ous = fabric.fabric_node_ous
    # A missing certificate only loses the certificate; an identifier without an OU is dropped.
    assert ous.client_ou_identifier.organizational_unit_identifier == "client"
    assert ous.client_ou_identifier.certificate == b""
    assert ous.peer_ou_identifier.organizational_unit_identifier == "peer"
    assert not ous.HasField("admin_ou_identifier")
    assert not ous.HasField("orderer_ou_identifier")


def test_disabled_node_ous_are_left_out(certs: dict[str, bytes]) -> None:
    fabric = _fabric({f"{MSP}/cacerts/ca.pem": certs["ca"],
                      f"{MSP}/config.yaml": b"NodeOUs:\n  Enable: false\n"})
    assert not fabric.HasField("fabric_node_ous")


@pytest.mark.parametrize("material", [
    {},
    {f"{MSP}/cacerts/README": b"text"},
    {"peerOrganizations/org2/msp/cacerts/ca.pem": b"-----BEGIN CERTIFICATE-----\n-----END "},
], ids=["no-files", "no-pem", "other-org"])
def test_missing_ca_certificate_is_an_environment_problem(material: dict[str, bytes]) -> None:
    with pytest.raises(EnvironmentProblem, match="no CA certificate found in "
                       "peerOrganizations/org1/msp/cacerts"):
        msp_config_value(material, MSP, "Org1MSP")


def test_missing_ou_certificate_is_an_error(certs: dict[str, bytes]) -> None:
    config = b"OrganizationalUnitIdentifiers:\n  - {Certificate: cacerts/x.pem}\n"
    with pytest.raises(EnvironmentProblem, match="OrganizationalUnit certificate"):
        _fabric({f"{MSP}/cacerts/ca.pem": certs["ca"], f"{MSP}/config.yaml": config})


def test_pem_files_distinguishes_missing_and_empty_directories() -> None:
    assert pem_files({}, f"{MSP}/crls") is None
    assert pem_files({f"{MSP}/crls/x": b"junk"}, f"{MSP}/crls") == []
