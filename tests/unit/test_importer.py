"""import-cryptogen turns cryptogen and configtxgen inputs into one valid cluster-config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fabgitops import cli, plan, yamlio
from fabgitops.config_file import load
from fabgitops.importer import import_cryptogen
from tests.conftest import ARTICLE, REPO

FIXTURES = REPO / "tests" / "fixtures" / "article"


def nodes(p: plan.Plan) -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    return [(o.domain, o.kind.value, tuple(n.identity.common_name for n in o.nodes),
             tuple(u.common_name for u in o.users)) for o in p.orgs]


def test_article_import_validates_and_plans_the_same_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.run(["import-cryptogen", str(FIXTURES / "crypto-config.yaml"),
                    str(FIXTURES / "configtx.yaml"), "--channel-id", "TwoOrgsChannel=mychannel"])
    assert code == 0
    out = capsys.readouterr()
    imported = tmp_path / "cluster-config.yaml"
    imported.write_text(out.out)
    loaded = load(imported)
    assert loaded.warnings == ()
    imported_plan, data = loaded.plan, loaded.document.data
    assert nodes(imported_plan) == nodes(load(ARTICLE).plan)
    assert imported_plan.fabric_version.value == "2.5"
    assert imported_plan.consensus.type.value == "solo"
    assert data["Consensus"]["BatchSize"]["AbsoluteMaxBytes"] == "98 MB"
    assert imported_plan.orderer_orgs[0].msp_id == "Orgorderer1MSP"
    assert "MSPID" not in data["PeerOrgs"][0]  # Org1MSP is already the default
    assert imported_plan.peer_orgs[0].msp_id == "Org1MSP"
    assert [c.name for c in imported_plan.channels] == ["mychannel"]
    assert imported_plan.peer_orgs[1].anchor_peers == ("peer0",)
    assert "predates Fabric 2" in out.err
    # The editor hint names a schema file that `fabgitops schema` writes beside the config.
    assert out.out.startswith("# yaml-language-server: $schema=cluster-config.schema.json\n")
    assert "fabgitops schema > cluster-config.schema.json" in out.err


def test_dotted_domains_become_labels() -> None:
    crypto = yamlio.parse(
        "PeerOrgs:\n  - Name: Org1\n    Domain: org1.example.com\n    Template: {Count: 1}\n",
        source="c.yaml")
    configtx = yamlio.parse(
        "Organizations:\n  - Name: Org1MSP\n    ID: Org1MSP\n"
        "    MSPDir: crypto-config/peerOrganizations/org1.example.com/msp\n"
        "    AnchorPeers: [{Host: peer0.org1.example.com, Port: 7051}]\n"
        "Profiles:\n  ChannelUsingRaft:\n    Application:\n"
        "      Organizations: [{Name: Org1MSP}]\n", source="t.yaml")
    imported = import_cryptogen(crypto, configtx)
    org = imported.config["PeerOrgs"][0]
    assert org["Domain"] == "org1-example-com"
    assert org["AnchorPeers"] == ["peer0"]
    assert imported.config["Channels"] == [{"Name": "channelusingraft",
                                            "Organizations": ["Org1"]}]
    assert any("'org1.example.com' becomes 'org1-example-com'" in n for n in imported.notes)


def test_unknown_msp_dirs_and_anchor_hosts_are_noted() -> None:
    crypto = yamlio.parse("PeerOrgs:\n  - {Name: A, Domain: a, Template: {Count: 1}}\n",
                          source="c")
    configtx = yamlio.parse(
        "Organizations:\n  - {Name: X, ID: X, MSPDir: elsewhere/msp}\n"
        "  - {Name: AMSP, ID: AMSP, MSPDir: peerOrganizations/a/msp,"
        " AnchorPeers: [{Host: peer0.b, Port: 7051}]}\n", source="t")
    notes = import_cryptogen(crypto, configtx).notes
    assert any("'elsewhere/msp' names no org" in n for n in notes)
    assert any("anchor peer 'peer0.b' is not a node of domain 'a'" in n for n in notes)


def test_unreadable_inputs_exit_3(write_config: Callable[[str], Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["import-cryptogen", str(write_config("- just a list\n"))]) == 3
    assert "lists OrdererOrgs and PeerOrgs" in capsys.readouterr().err
    assert cli.run(["import-cryptogen", str(write_config("a: [\n"))]) == 3
    assert cli.run(["import-cryptogen", str(FIXTURES / "nope.yaml")]) == 3
    assert cli.run(["import-cryptogen", str(FIXTURES / "crypto-config.yaml"),
                    "--channel-id", "bad"]) == 2
