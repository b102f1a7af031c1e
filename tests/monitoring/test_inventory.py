"""The certificate inventory is the keystore: every certificate the crypto stage made, and any
certificate a later feature stores there, with its expiry; retired material is not."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from fabgitops import monitoring
from fabgitops.monitoring.inventory import KEYSTORE, RETIRED, by_org_directory
from tests.monitoring.support import compiled, settings


def test_every_keystore_certificate_is_inventoried() -> None:
    network = compiled()
    material = network.material
    found = monitoring.certificates(network.plan.orgs, material.keystore)
    expected = {pair.certificate.not_valid_after_utc for _, pair in material.certificates()}
    assert len(found) == len(list(material.certificates())) > 20
    assert {c.not_after for c in found} == expected
    kinds = {c.kind for c in found}
    assert kinds == {"ca", "tls-ca", "ca-server-tls", "enrollment", "tls"}
    org1 = network.plan.org("Org1")
    nodes = {c.node for c in found if c.namespace == org1.namespace}
    assert {"peer0", "peer1", org1.ca.hostname, "Admin@org1", "User1@org1"} <= nodes


def test_a_certificate_added_later_is_included_and_retired_ones_are_not() -> None:
    network = compiled()
    keystore = dict(network.material.keystore)
    org1 = network.plan.org("Org1")
    some_cert = next(v for p, v in keystore.items() if p.endswith("/tls/cert.pem"))
    # A chaincode server's certificate, as a later feature might store it.
    keystore[f"{KEYSTORE}{org1.crypto_dir}/chaincodes/basic/tls/cert.pem"] = some_cert
    keystore[f"{RETIRED}{org1.crypto_dir}/peers/old.org1/tls/cert.pem"] = some_cert
    before = monitoring.certificates(network.plan.orgs, network.material.keystore)
    after = monitoring.certificates(network.plan.orgs, keystore)
    added = set(after) - set(before)
    assert [(c.node, c.kind, c.path) for c in added] == [
        ("basic", "chaincode-tls", f"{org1.crypto_dir}/chaincodes/basic/tls")]


def test_the_scraper_certificate_is_a_client_of_every_operations_endpoint() -> None:
    """Prometheus' pair chains to the org's TLS CA (the endpoints' client roots), may act as a
    TLS client, and every serverName the ServiceMonitor verifies is a SAN of that node's
    certificate."""
    network = compiled()
    material = network.material
    for org in network.plan.orgs:
        pair = material.org(org).scraper_tls
        assert pair is not None
        issuer = material.tls_ca(org).certificate
        pair.certificate.verify_directly_issued_by(issuer)
        usages = pair.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        assert ExtendedKeyUsageOID.CLIENT_AUTH in usages.value
        served = [(n.hostname, material.tls(org, n.identity)["server.crt"]) for n in org.nodes]
        served.append((org.ca.hostname, material.ca_server_tls(org).cert_pem))
        for host, pem in served:
            certificate = x509.load_pem_x509_certificate(pem)
            certificate.verify_directly_issued_by(issuer)
            names = certificate.extensions.get_extension_for_class(
                x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
            assert host in names, (host, names)
    inventory = monitoring.certificates(network.plan.orgs, material.keystore)
    assert {c.node for c in inventory if c.kind == "tls" and "/monitoring/" in c.path} == {
        "prometheus"}


def test_chaincode_server_certificates_are_alerted_on_without_monitoring_code() -> None:
    """The kafka test network runs a chaincode server in Org1 and Org2: its TLS certificates,
    stored by the chaincode stage, get expiry series like every other certificate."""
    network = compiled("kafka")
    chaincode = [c for c in monitoring.certificates(network.plan.orgs,
                                                    network.material.keystore)
                 if c.kind == "chaincode-tls"]
    assert sorted((c.namespace, c.node) for c in chaincode) == [
        ("org1", "asset_transfer"), ("org2", "asset_transfer")]
    groups = monitoring.rule_groups(network.plan, network.material.keystore,
                                    settings(network))
    series = [r["labels"] for g in groups for r in g["rules"]
              if r.get("record") == monitoring.CERT_EXPIRY]
    assert sum(1 for labels in series if labels["kind"] == "chaincode-tls") == 2


def test_an_orgs_share_of_the_keystore_gives_its_whole_inventory() -> None:
    """The render stage gives each org's monitoring objects only the org's keystore files
    (``by_org_directory``): the same certificates as the whole keystore, retired ones still
    left out."""
    network = compiled()
    keystore = dict(network.material.keystore)
    org1 = network.plan.org("Org1")
    some_cert = next(v for p, v in keystore.items() if p.endswith("/tls/cert.pem"))
    keystore[f"{RETIRED}{org1.crypto_dir}/peers/old.org1/tls/cert.pem"] = some_cert
    split = by_org_directory(keystore)
    assert sum(len(files) for files in split.values()) == len(keystore)
    for org in network.plan.orgs:
        whole = monitoring.certificates(network.plan.orgs, keystore)
        own = monitoring.certificates((org,), split[org.crypto_dir])
        assert own == [c for c in whole if c.namespace == org.namespace] and len(own) > 5
    assert len(network.plan.orgs) >= 3
