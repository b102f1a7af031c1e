"""export-org bundles: deterministic, public only, and checked on import with located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from fabgitops import cli
from fabgitops.errors import ConfigInvalid, ExitCode
from fabgitops.parties.check import PRIVATE_KEY_MARK
from tests.parties.support import Party
from tests.parties.test_parties import ALPHA, OTHER, own


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Party, Party]:
    """Alpha (orderer + Org1) compiled; beta (Org2) configured with alpha's bundles."""
    alpha, beta = Party("alpha", tmp_path / "alpha"), Party("beta", tmp_path / "beta")
    alpha.write_config(ALPHA % {"org2": "", "org3": ""})
    alpha.compile()
    alpha.export("Orderer1", beta)
    alpha.export("Org1", beta)
    beta.write_config(OTHER % {"peers": own("Org2", "org2"), "cluster": "beta"})
    return alpha, beta


def test_export_is_deterministic_and_public(pair: tuple[Party, Party], tmp_path: Path) -> None:
    alpha, beta = pair
    first = (beta.root / "bundles/Org1.yaml").read_bytes()
    alpha.export("Org1", beta)
    assert (beta.root / "bundles/Org1.yaml").read_bytes() == first
    assert PRIVATE_KEY_MARK.encode() not in first
    data = yaml.safe_load(first)
    assert data["MSPID"] == "Org1MSP" and data["AnchorPeers"] == ["peer0"]
    assert [n["Endpoint"] for n in data["Nodes"]] == ["peer0-org1.alpha.example.com:443"]
    assert sorted(data["MSP"]) == ["cacerts/ca.org1-cert.pem", "config.yaml",
                                   "tlscacerts/tlsca.org1-cert.pem"]


def test_export_org_command_writes_the_same_bundle(pair: tuple[Party, Party], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    alpha, beta = pair
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", alpha.identity.secret_keys[0])
    monkeypatch.setenv("HOME", str(tmp_path))
    target = tmp_path / "Org1.yaml"
    # The real system key generator is never asked for a key: the keystore is complete.
    status = cli.run(["export-org", "Org1", "-c", str(alpha.config), "-o", str(target)])
    assert status == ExitCode.OK
    assert target.read_bytes() == (beta.root / "bundles/Org1.yaml").read_bytes()
    assert cli.run(["export-org", "Org9", "-c", str(alpha.config)]) == ExitCode.INVALID_CONFIG


def test_two_parties_compile_with_bundles(pair: tuple[Party, Party]) -> None:
    _, beta = pair
    outcome = beta.compile()
    assert outcome.written
    assert "channels/mychannel/genesis.block" in outcome.compiled.tree


Edit = Callable[[dict[str, object]], None]


def _tamper(beta: Party, org: str, edit: Edit) -> list[tuple[str, str]]:
    path = beta.root / "bundles" / f"{org}.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=True))
    with pytest.raises(ConfigInvalid) as info:
        beta.compile()
    return [(f"{Path(i.file).name}:{i.dotted_path}", i.message) for i in info.value.issues]


def _nodes(data: dict[str, object]) -> list[dict[str, str]]:
    nodes = data["Nodes"]
    assert isinstance(nodes, list)
    return nodes


def test_import_refuses_a_private_key(pair: tuple[Party, Party]) -> None:
    _, beta = pair
    alpha_key = "-----BEGIN EC " + "PRIVATE KEY-----\nMHc=\n-----END EC " + "PRIVATE KEY-----\n"
    found = _tamper(beta, "Org1", lambda d: _nodes(d)[0].update(Note=alpha_key))
    assert any("holds a private key" in m for _, m in found), found


def test_import_checks_certificates_and_chains(pair: tuple[Party, Party]) -> None:
    _, beta = pair
    orderer = yaml.safe_load((beta.root / "bundles/Orderer1.yaml").read_text())

    def edit(data: dict[str, object]) -> None:
        # Org1's peer presents the orderer org's certificates: they chain to the wrong CAs.
        node = _nodes(data)[0]
        node["TLSCertificate"] = orderer["Nodes"][0]["TLSCertificate"]
        node["SignCertificate"] = "not a certificate"

    found = _tamper(beta, "Org1", edit)
    assert ("Org1.yaml:Nodes[0].TLSCertificate",
            "not issued by the org's TLS CA (tlscacerts/)") in found
    assert ("Org1.yaml:Nodes[0].SignCertificate", "not a PEM certificate") in found
    assert any(p == "Org1.yaml:Nodes[0].Endpoint" and "is not a SAN" in m for p, m in found)


def test_import_checks_endpoints_anchor_peers_and_the_entry(pair: tuple[Party, Party]) -> None:
    _, beta = pair

    found = _tamper(beta, "Org1", lambda d: _nodes(d)[0].update(Endpoint="peer0 org1"))
    assert found == [("Org1.yaml:Nodes[0].Endpoint", "'peer0 org1' is not host:port (a "
                      "lowercase DNS name or IP, and a port)")]

    def edit(data: dict[str, object]) -> None:
        _nodes(data)[0]["Endpoint"] = "peer0-org1.alpha.example.com:443"
        data["AnchorPeers"] = ["peer7"]
        del data["MSP"]["tlscacerts/tlsca.org1-cert.pem"]  # type: ignore[attr-defined]

    found = _tamper(beta, "Org1", edit)
    assert ("Org1.yaml:AnchorPeers[0]", "anchor peer peer7 is not among Nodes") in found
    assert ("Org1.yaml:MSP", "the MSP has no TLS CA certificate (tlscacerts/)") in found


def test_import_locates_an_entry_mismatch_in_the_config(pair: tuple[Party, Party]) -> None:
    _, beta = pair
    found = _tamper(beta, "Org1", lambda d: d.update(Domain="org9", MSPID="Org1MSP"))
    assert ("cluster-config.yaml:PeerOrgs[0].Domain", "the bundle's Domain is 'org9'") in found


def test_missing_bundle_is_located(pair: tuple[Party, Party]) -> None:
    _, beta = pair
    (beta.root / "bundles/Org1.yaml").unlink()
    with pytest.raises(ConfigInvalid) as info:
        beta.compile()
    [issue] = info.value.issues
    assert issue.dotted_path == "PeerOrgs[0].Bundle" and issue.line == 4
    assert "export-org Org1" in issue.message
