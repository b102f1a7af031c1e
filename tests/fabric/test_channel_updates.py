"""Running channels follow the config, on real Fabric: each compiled update is applied by the
compiled apply Job, new peers join with the real genesis block, and the live config equals the
declared one."""

from __future__ import annotations

import re
import shutil
import time

import yaml

from .cluster import Cluster
from .conftest import Compiler, Fabric
from .network import live_as_declared, network, peer_height


def _names(runs: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{r.namespace}/{r.name.rsplit('-', 1)[0]}" for r in runs]


def test_add_org_then_its_peer_joins_then_batch_changes(fabric: Fabric, compiler: Compiler,
                                                       cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    cluster.sync(output)
    genesis = (output / "channels/mychannel/genesis.block").read_bytes()

    output = compiler.compile(network(fabric.version, orgs=3))
    assert (output / "channels/mychannel/genesis.block").read_bytes() == genesis
    assert sorted(p.name for p in (output / "channels/mychannel/updates").glob("*.tx")) == [
        "0001-add-org3.tx"]
    runs = cluster.sync(output)
    assert _names(runs) == ["ord/mychannel-update-0001", "org3/peer0-join"]
    assert "submitting update 0001" in runs[0].output
    assert "every update in git is applied" in runs[0].output
    live = live_as_declared(cluster, "org3", output)
    assert live.sequence == 1
    assert peer_height(cluster, "org3", "mychannel") == peer_height(cluster, "org1",
                                                                    "mychannel") == 2
    # Re-running the Job is safe: nothing to submit.
    again = cluster.run_job(cluster.find("ord", "Job", "mychannel-update-0001")[0])
    assert again.returncode == 0, again.output
    assert "at config sequence 1: every update in git is applied" in again.output

    extra = "Consensus:\n  BatchTimeout: 1s\n  BatchSize: {MaxMessageCount: 50}\n"
    output = compiler.compile(network(fabric.version, orgs=3, extra=extra))
    assert sorted(p.name for p in (output / "channels/mychannel/updates").glob("*.tx")) == [
        "0001-add-org3.tx", "0002-batchsize-batchtimeout.tx"]
    runs = cluster.sync(output)
    assert _names(runs) == ["ord/mychannel-update-0002"]
    live = live_as_declared(cluster, "org1", output)
    assert live.sequence == 2


def test_drift_is_named_and_nothing_is_submitted(fabric: Fabric, compiler: Compiler,
                                                 cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    cluster.sync(output)
    # Two branches from the same history: B's update 0001 differs from A's.
    branch = output.parent / "branch-b"
    shutil.copytree(output, branch)
    other = Compiler(branch, compiler.home)
    other.identity = compiler.identity
    other.compile(network(fabric.version, extra="Consensus:\n  BatchTimeout: 3s\n"))
    output = compiler.compile(network(fabric.version, extra="Consensus:\n  BatchTimeout: 4s\n"))
    cluster.sync(output)
    cluster.load(branch)
    job = cluster.find("ord", "Job", "mychannel-update-0001")[0]
    run = cluster.run_job(job)
    assert run.returncode == 3, run.output
    assert ("drift: mychannel at config sequence 1 is not the config git has for that "
            "sequence") in run.output
    assert '-              "timeout": "3s"' in run.output
    assert '+              "timeout": "4s"' in run.output
    assert "submitting" not in run.output


def _relation(cluster: Cluster, orderer: str) -> str:
    job = cluster.find("ord", "Job", f"{orderer}-join")[0]
    run = cluster.run_script(job, (
        'osnadmin channel list --channelID mychannel -o "$ADMIN_ADDRESS" --ca-file '
        '"$ADMIN_TLS/ca.crt" --client-cert "$ADMIN_TLS/client.crt" --client-key '
        '"$ADMIN_TLS/client.key"'))
    match = re.search(r'"consensusRelation": "(\w+)"', run.output)
    assert match, run.output
    return match.group(1)


def test_new_orderer_joins_as_follower_then_becomes_a_consenter(
        fabric: Fabric, compiler: Compiler, cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    cluster.sync(output)
    output = compiler.compile(network(fabric.version, orderers=2))
    assert sorted(p.name for p in (output / "channels/mychannel/updates").glob("*.tx")) == [
        "0001-consenters-orderer-endpoints.tx"]
    runs = cluster.sync(output)
    # The join Job (wave 5) runs before the update Job (wave 6): the node is a follower first.
    assert _names(runs) == ["ord/orderer1-join", "ord/mychannel-update-0001"]
    assert '"consensusRelation": "follower"' in runs[0].output
    deadline = time.monotonic() + 90
    while _relation(cluster, "orderer1") != "consenter":
        assert time.monotonic() < deadline, "orderer1 never became a consenter"
        time.sleep(2)
    live_as_declared(cluster, "org1", output)
    # The two-node cluster orders the next update (it needs both nodes for a quorum).
    output = compiler.compile(network(fabric.version, orderers=2,
                                      extra="Consensus:\n  BatchTimeout: 1500ms\n"))
    assert _names(cluster.sync(output)) == ["ord/mychannel-update-0002"]
    live = live_as_declared(cluster, "org1", output)
    assert live.sequence == 2


def test_anchor_peers_then_org_removal(fabric: Fabric, compiler: Compiler,
                                      cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    cluster.sync(output)
    no_anchors = network(fabric.version).replace("    Domain: org1\n",
                                                 "    Domain: org1\n    AnchorPeers: []\n")
    output = compiler.compile(no_anchors)
    runs = cluster.sync(output)
    assert _names(runs) == ["ord/mychannel-update-0001"]
    live = live_as_declared(cluster, "org1", output)
    assert "AnchorPeers" not in live.channel_group.groups["Application"].groups["Org1"].values

    output = compiler.compile(no_anchors + "Channels:\n  - Name: mychannel\n"
                              "    Organizations: [Org1]\n")
    update = output / "channels/mychannel/updates/0002-remove-org2.yaml"
    [policy] = yaml.safe_load(update.read_text())["policies"]
    assert policy["satisfied_by"] == ["Org1MSP", "Org2MSP"]  # MAJORITY of two: both
    runs = cluster.sync(output)
    assert [n for n in _names(runs) if "update" in n] == ["ord/mychannel-update-0002"]
    live = live_as_declared(cluster, "org1", output)
    assert sorted(live.channel_group.groups["Application"].groups) == ["Org1"]


def test_new_channel_on_a_running_network(fabric: Fabric, compiler: Compiler,
                                          cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    cluster.sync(output)
    channels = ("Channels:\n  - Name: mychannel\n    Organizations: [Org1, Org2]\n"
                "  - Name: second\n    Organizations: [Org2]\n")
    output = compiler.compile(network(fabric.version, extra=channels))
    # A new channel is a genesis block, not an update; mychannel is untouched.
    assert not (output / "channels/mychannel/updates").exists()
    assert (output / "channels/second/genesis.block").is_file()
    runs = cluster.sync(output)
    # The orderer's and Org2's join Jobs changed (a new block to join): they run again, skip
    # mychannel and join second; Org1's Job is unchanged.
    assert _names(runs) == ["ord/orderer0-join", "org2/peer0-join"]
    assert "orderer0.ord:7053 is a member of mychannel" in runs[0].output
    assert '"name": "second"' in runs[0].output
    assert peer_height(cluster, "org2", "second") == 1
    assert peer_height(cluster, "org2", "mychannel") == 1


def test_tls_renewal_keeps_the_consenters_and_the_cluster_orders(
        fabric: Fabric, compiler: Compiler, cluster: Cluster) -> None:
    # Every leaf is within the warning window, so --renew reissues them all (same keys).
    window = "Keystore: {ExpiryWarningDays: 3650}\n"
    output = compiler.compile(network(fabric.version, orderers=3, extra=window))
    cluster.sync(output)
    tls = output / "overlays/ord/orderer1/tls.yaml"
    before = tls.read_bytes()
    output = compiler.compile(network(fabric.version, orderers=3, extra=window), renew=True)
    assert tls.read_bytes() != before  # a new certificate, same key: no channel update
    assert not (output / "channels/mychannel/updates").exists()
    cluster.sync(output)  # every node restarts with its renewed certificates
    output = compiler.compile(network(fabric.version, orderers=3,
                                      extra=window + "Consensus:\n  BatchTimeout: 1s\n"))
    assert sorted(p.name for p in (output / "channels/mychannel/updates").glob("*.tx")) == [
        "0001-batchtimeout.tx"]
    assert _names(cluster.sync(output)) == ["ord/mychannel-update-0001"]
    live = live_as_declared(cluster, "org1", output)
    assert live.sequence == 1
