"""Three parties on real Fabric (loopback harness): alpha (orderer org and Org1) and beta (Org2)
bring up mychannel from exchanged bundles; gamma's Org3 is added through a signature round in
git; the compiled apply Job submits only once beta's detached signature arrived; Org3's peer
joins; the live channel config names all three peer orgs.

Each party has its own output repository and keystore. The harness runs all three outputs'
overlays as one loopback "cluster"; a LoadBalancer Service's external-dns name resolves to its
node's address, as external-dns would publish it, so every cross-party dial goes through the
external names that the channel config carries.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fabgitops.channel.protolator import to_tree
from fabgitops.output.apply import read_tree
from fabgitops.parties.signatures import signature_path
from fabgitops.placement.exposure import EXTERNAL_DNS
from tests.conftest import tool
from tests.parties.support import Party

from .cluster import Cluster
from .conftest import Fabric
from .network import declared_config, live_config, peer_height


class PartiesCluster(Cluster):
    """The harness, plus external-dns: a LoadBalancer Service's hostname annotation resolves
    to the address of the node it selects."""

    def load(self, output: Path) -> None:
        super().load(output)
        extra = []
        for docs in self.objects.values():
            for obj in docs:
                name = obj["metadata"].get("annotations", {}).get(EXTERNAL_DNS)
                if obj["kind"] == "Service" and name:
                    node = obj["metadata"]["name"].removesuffix("-external")
                    key = f"{node}.{obj['metadata']['namespace']}"
                    extra.append(f"{self.addresses[key]} {name}")
        hosts = self.work / "hosts"
        hosts.write_text(hosts.read_text() + "\n".join(sorted(extra)) + "\n")


PEER = """  - Name: {name}
    Domain: {domain}
    EnableNodeOUs: true
    StateDatabase: LevelDB
    Template: {{Count: 1}}
"""
COMMON = ("Kubernetes:\n  CLI: false\n  Clusters:\n    - {{Name: {cluster}, ExternalDomain: "
          "{cluster}.example.com, Exposure: LoadBalancer}}\n"
          "Secrets: {{Mode: plain}}\nGitOps: {{Engine: none}}\n")


def ext(name: str, domain: str) -> str:
    return f"  - {{Name: {name}, Domain: {domain}, External: true, Bundle: bundles/{name}.yaml}}\n"


def _network(version: str) -> str:
    return f'Network: {{FabricVersion: "{version}"}}\n'


def alpha_text(version: str, peers: str, channels: str) -> str:
    return (_network(version) + "OrdererOrgs:\n  - {Name: Orderer1, Domain: ord, "
            "EnableNodeOUs: true, Template: {Count: 1}}\nPeerOrgs:\n"
            + PEER.format(name="Org1", domain="org1") + peers + COMMON.format(cluster="alpha")
            + channels)


def other_text(version: str, cluster: str, peers: str, channels: str) -> str:
    return (_network(version) + "OrdererOrgs:\n" + ext("Orderer1", "ord") + "PeerOrgs:\n"
            + ext("Org1", "org1")
            + peers + COMMON.format(cluster=cluster) + channels)


NONE = "Channels: []\n"
TWO = "Channels:\n  - {Name: mychannel, Organizations: [Org1, Org2]}\n"
THREE = "Channels:\n  - {Name: mychannel, Organizations: [Org1, Org2, Org3]}\n"
ORG2, ORG3 = PEER.format(name="Org2", domain="org2"), PEER.format(name="Org3", domain="org3")


def merged(parties: list[Party], target: Path) -> Path:
    """One directory with every party's overlays (and the shipped bases), as three GitOps
    controllers would apply them to their clusters."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(parties[0].root / "bases", target / "bases")
    for party in parties:
        for overlay in (party.root / "overlays").iterdir():
            shutil.copytree(overlay, target / "overlays" / overlay.name)
    return target


def copy(src: Party, dst: Party, path: str) -> None:
    (dst.root / path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src.root / path, dst.root / path)


@pytest.fixture
def parties_cluster(fabric: Fabric, tmp_path: Path) -> Iterator[PartiesCluster]:
    cluster = PartiesCluster(tmp_path / "cluster", fabric.bin, fabric.config,
                             kubectl=tool("kubectl"))
    try:
        yield cluster
    finally:
        cluster.stop()


def test_three_parties_add_an_org_through_a_signature_round(
        fabric: Fabric, parties_cluster: PartiesCluster, tmp_path: Path) -> None:
    cluster = parties_cluster
    v = fabric.version
    alpha, beta, gamma = (Party(n, tmp_path / n) for n in ("alpha", "beta", "gamma"))
    # Keys first, then bundles: nobody writes a genesis block before every member is known.
    alpha.write_config(alpha_text(v, "", NONE))
    alpha.compile()
    for party in (beta, gamma):
        alpha.export("Orderer1", party)
        alpha.export("Org1", party)
    beta.write_config(other_text(v, "beta", ORG2, NONE))
    gamma.write_config(other_text(v, "gamma", ORG3, NONE))
    beta.compile()
    gamma.compile()
    beta.export("Org2", alpha)
    beta.export("Org2", gamma)
    gamma.export("Org3", alpha)
    gamma.export("Org3", beta)

    # Two parties bring up mychannel: alpha writes block 0, beta verifies and adopts it.
    alpha.write_config(alpha_text(v, ext("Org2", "org2"), TWO))
    alpha.compile()
    beta.write_config(other_text(v, "beta", ORG2, TWO))
    genesis = "channels/mychannel/genesis.block"
    assert beta.verify_channel(alpha.root / genesis, adopt=True) == 0
    beta.compile()
    runs = cluster.sync(merged([alpha, beta], tmp_path / "applied"))
    assert sorted(f"{r.namespace}/{r.name.rsplit('-', 1)[0]}" for r in runs) == [
        "ord/orderer0-join", "org1/peer0-join", "org2/peer0-join"]
    assert peer_height(cluster, "org2", "mychannel") == 1

    # Alpha proposes Org3: it can give Org1's signature, MAJORITY of two needs Org2's too.
    alpha.write_config(alpha_text(v, ext("Org2", "org2") + ext("Org3", "org3"), THREE))
    notes = [n.text for n in alpha.compile().notes if "channel update" in n.text]
    assert len(notes) == 1 and ": pending: needs 2 of Org1MSP, Org2MSP" in notes[0]
    update = "channels/mychannel/updates/0001-add-org3.tx"
    runs = cluster.sync(merged([alpha, beta], tmp_path / "applied"))
    [waiting] = runs
    assert "waiting for signatures" in waiting.output and "submitting" not in waiting.output

    # Beta reviews the same update, signs it; the signature reaches alpha in a pull request.
    copy(alpha, beta, update)
    beta.write_config(other_text(v, "beta", ORG2 + ext("Org3", "org3"), THREE))
    beta.compile()
    assert beta.sign(update) == 0
    copy(beta, alpha, signature_path(update, "Org2MSP"))
    notes = [n.text for n in alpha.compile().notes if "channel update" in n.text]
    assert ": ready: " in notes[0]

    # Gamma adopts the channel's history: block 0, verified against the channel as it was
    # created (Org1 and Org2), then the update that adds its org.
    gamma.write_config(other_text(v, "gamma", ext("Org2", "org2") + ORG3, TWO))
    assert gamma.verify_channel(alpha.root / genesis, adopt=True) == 0
    copy(alpha, gamma, update)
    gamma.write_config(other_text(v, "gamma", ext("Org2", "org2") + ORG3, THREE))
    outcome = gamma.compile()
    assert not [p for p in outcome.compiled.changes.paths if p.endswith(".tx")]
    runs = cluster.sync(merged([alpha, beta, gamma], tmp_path / "applied"))
    names = [f"{r.namespace}/{r.name.rsplit('-', 1)[0]}" for r in runs]
    assert names == ["ord/mychannel-update-0001", "org3/peer0-join"], names
    assert "submitting update 0001" in runs[0].output
    live = live_config(cluster, "org3", "mychannel")
    assert live.sequence == 1
    assert sorted(live.channel_group.groups["Application"].groups) == ["Org1", "Org2", "Org3"]
    for party in (alpha, beta, gamma):
        assert to_tree(live) == to_tree(declared_config(party.root, "mychannel")), party.name
    assert peer_height(cluster, "org3", "mychannel") == peer_height(cluster, "org1",
                                                                    "mychannel") == 2
    # No party's repository holds another party's key material.
    for party, own in ((alpha, {"ord", "org1"}), (beta, {"org2"}), (gamma, {"org3"})):
        keystore = {p.split("/")[3] for p in read_tree(party.root)
                    if p.startswith(".fabgitops/keystore/") and p.count("/") > 4}
        assert keystore == own, party.name
