"""BFT consenters on Fabric 3.x, on real Fabric: a new orderer joins as follower, then one update
(Orderers, BlockValidation, Endpoints) makes it a consenter."""

from __future__ import annotations

import time

import pytest

from fabgitops.channel._pb import configuration

from .cluster import Cluster
from .conftest import Compiler, Fabric
from .network import live_as_declared, live_config, network
from .test_channel_updates import _names, _relation

BFT = "Consensus: {Type: BFT}\n"


def test_bft_consenter_added_after_following(fabric: Fabric, compiler: Compiler,
                                             cluster: Cluster) -> None:
    if fabric.version != "3.1":
        pytest.skip("BFT needs Fabric 3.x")
    output = compiler.compile(network("3.1", orderers=4, extra=BFT))
    cluster.sync(output)
    output = compiler.compile(network("3.1", orderers=5, extra=BFT))
    runs = cluster.sync(output)
    assert _names(runs) == ["ord/orderer4-join", "ord/mychannel-update-0001"]
    assert '"consensusRelation": "follower"' in runs[0].output
    live = live_as_declared(cluster, "org1", output)
    mapping = configuration.Orderers.FromString(
        live.channel_group.groups["Orderer"].values["Orderers"].value).consenter_mapping
    assert [c.id for c in mapping] == [1, 2, 3, 4, 5]
    deadline = time.monotonic() + 90
    while _relation(cluster, "orderer4") != "consenter":
        assert time.monotonic() < deadline, "orderer4 never became a consenter"
        time.sleep(2)
    # The five-node cluster orders the next update.
    output = compiler.compile(network("3.1", orderers=5,
                                      extra=BFT.replace("}", ", BatchTimeout: 1s}")))
    assert _names(cluster.sync(output)) == ["ord/mychannel-update-0002"]
    assert live_config(cluster, "org1", "mychannel").sequence == 2
