"""Two and three parties, each with its own repository and keystore, exchanging bundles only."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabgitops.deliver import Mode
from fabgitops.errors import ExitCode
from fabgitops.output.apply import read_tree
from tests.parties.support import Party, private_key_forms

ALPHA = """\
OrdererOrgs:
  - Name: Orderer1
    Domain: orgorderer1
    Template: {Count: 1}
PeerOrgs:
  - Name: Org1
    Domain: org1
    EnableNodeOUs: true
    Template: {Count: 1}
%(org2)s%(org3)s
Kubernetes:
  Clusters:
    - Name: alpha
      ExternalDomain: alpha.example.com
Secrets: {Mode: plain}
GitOps: {Engine: none}
"""
ORG2_EXTERNAL = "  - {Name: Org2, Domain: org2, External: true, Bundle: bundles/Org2.yaml}\n"
ORG3_EXTERNAL = "  - {Name: Org3, Domain: org3, External: true, Bundle: bundles/Org3.yaml}\n"

OTHER = """\
OrdererOrgs:
  - {Name: Orderer1, Domain: orgorderer1, External: true, Bundle: bundles/Orderer1.yaml}
PeerOrgs:
  - {Name: Org1, Domain: org1, External: true, Bundle: bundles/Org1.yaml}
%(peers)s
Kubernetes:
  Clusters:
    - Name: %(cluster)s
      ExternalDomain: %(cluster)s.example.com
      Exposure: LoadBalancer
Secrets: {Mode: plain}
GitOps: {Engine: none}
"""


def own(name: str, domain: str) -> str:
    return (f"  - Name: {name}\n    Domain: {domain}\n    EnableNodeOUs: true\n"
            "    Template: {Count: 1}\n")


def step_one(text: str) -> str:
    """A party's first config: no channel yet (its keys exist before any genesis block)."""
    return text + "Channels: []\n"


def first_compiles(alpha: Party, beta: Party, gamma: Party) -> None:
    """Each party compiles its own orgs with no channel; alpha's bundles reach beta and gamma,
    beta's reach alpha, gamma's reach alpha and beta."""
    alpha.write_config(step_one(ALPHA % {"org2": "", "org3": ""}))
    alpha.compile()
    for party in (beta, gamma):
        alpha.export("Orderer1", party)
        alpha.export("Org1", party)
    beta.write_config(step_one(OTHER % {"peers": own("Org2", "org2"), "cluster": "beta"}))
    gamma.write_config(step_one(OTHER % {"peers": own("Org3", "org3"), "cluster": "gamma"}))
    beta.compile()
    gamma.compile()
    beta.export("Org2", alpha)
    gamma.export("Org3", alpha)
    gamma.export("Org3", beta)


def form(alpha: Party, beta: Party, gamma: Party) -> None:
    """Alpha runs the orderer and Org1, beta Org2, gamma Org3. Each first compiles its own orgs
    and exports their bundles; then alpha, the genesis author, compiles mychannel with every
    org, and beta and gamma verify and adopt alpha's genesis block."""
    first_compiles(alpha, beta, gamma)
    beta.export("Org2", gamma)
    alpha.write_config(ALPHA % {"org2": ORG2_EXTERNAL, "org3": ORG3_EXTERNAL})
    beta.write_config(OTHER % {"peers": own("Org2", "org2") + ORG3_EXTERNAL, "cluster": "beta"})
    gamma.write_config(OTHER % {"peers": ORG2_EXTERNAL + own("Org3", "org3"),
                                "cluster": "gamma"})
    alpha.compile()
    genesis = alpha.root / "channels/mychannel/genesis.block"
    for party in (beta, gamma):
        assert party.verify_channel(genesis, adopt=True) == ExitCode.OK
        party.compile()


@pytest.fixture
def three(tmp_path: Path) -> tuple[Party, Party, Party]:
    """Three parties that formed mychannel (see ``form``)."""
    parties = tuple(Party(n, tmp_path / n) for n in ("alpha", "beta", "gamma"))
    form(*parties)
    return parties  # type: ignore[return-value]


def test_each_party_renders_only_its_own_orgs(three: tuple[Party, Party, Party]) -> None:
    overlays = {p.name: sorted({path.split("/")[1] for path in read_tree(p.root)
                                if path.startswith("overlays/")}) for p in three}
    assert overlays == {"alpha": ["org1", "orgorderer1"], "beta": ["org2"], "gamma": ["org3"]}
    keystores = {p.name: sorted({path.split("/")[3] for path in read_tree(p.root)
                                 if path.startswith(".fabgitops/keystore/")
                                 and path.count("/") > 4}) for p in three}
    assert keystores == {"alpha": ["org1", "orgorderer1"], "beta": ["org2"], "gamma": ["org3"]}


def test_every_party_compiles_the_same_channel_config(three: tuple[Party, Party, Party]
                                                      ) -> None:
    blocks = {(p.root / "channels/mychannel/genesis.block").read_bytes() for p in three}
    assert len(blocks) == 1
    configs = {p.name: (p.root / "channels/mychannel/config.yaml").read_text() for p in three}
    assert configs["alpha"] == configs["beta"] == configs["gamma"]
    text = configs["alpha"]
    for msp in ("Orderer1MSP", "Org1MSP", "Org2MSP", "Org3MSP"):
        assert f"name: {msp}" in text or f"{msp}:" in text, msp
    # Channel configs carry what other clusters dial: Ingress names on alpha, LoadBalancer
    # names (own port) on beta and gamma.
    assert "host: peer0-org1.alpha.example.com" in text
    assert "host: peer0.org2.beta.example.com" in text
    assert "host: peer0.org3.gamma.example.com" in text
    assert "orderer0-orgorderer1.alpha.example.com:443" in text
    assert "peer0.org1.org1" not in text and "orderer0.orgorderer1:7050" not in text


def test_no_party_holds_another_partys_private_key(three: tuple[Party, Party, Party]) -> None:
    keys = {p.name: private_key_forms(p.material()) for p in three}
    assert {n: len(k) for n, k in keys.items()} == {"alpha": 12, "beta": 6, "gamma": 6}
    scanned = 0
    for party in three:
        blob = b"\n".join(party.files().values())
        for other, forms in keys.items():
            for path, variants in forms.items():
                present = [v in blob for v in variants]
                scanned += 1
                if other == party.name:
                    # Plain Secrets put the party's own keys in its output (base64): the scan
                    # finds a key where one is.
                    continue
                assert not any(present), f"{party.name} holds {other}'s key {path}"
        own_found = sum(any(v in blob for v in variants) for variants in keys[party.name].values())
        assert own_found > 0, f"the scan found none of {party.name}'s own keys"
    assert scanned == 3 * sum(len(k) for k in keys.values())


def test_recompiling_any_party_changes_nothing(three: tuple[Party, Party, Party]) -> None:
    for party in three:
        assert not party.compile(Mode.CHECK).compiled.changes, party.name


def test_verify_channel_lists_differences_and_never_adopts_them(
        three: tuple[Party, Party, Party], capsys: pytest.CaptureFixture[str]) -> None:
    alpha, beta, _ = three
    genesis = alpha.root / "channels/mychannel/genesis.block"
    assert beta.verify_channel(genesis) == ExitCode.OK
    # Beta's config now says another batch timeout: alpha's block is not what beta describes.
    beta.config.write_text(beta.config.read_text() + "Consensus: {BatchTimeout: 3s}\n")
    before = (beta.root / "channels/mychannel/genesis.block").read_bytes()
    capsys.readouterr()
    assert beta.verify_channel(genesis, adopt=True) == ExitCode.OUT_OF_DATE
    err = capsys.readouterr().err
    assert "BatchTimeout" in err and "'2s' -> '3s'" in err, err
    assert (beta.root / "channels/mychannel/genesis.block").read_bytes() == before
    assert beta.verify_channel(alpha.root / "cluster-config.yaml") == ExitCode.USAGE
