"""The harness itself: a compiled network boots and its join Jobs join every node."""

from __future__ import annotations

from .cluster import Cluster
from .conftest import Compiler, Fabric
from .network import network, peer_height


def test_compiled_network_boots_and_joins(fabric: Fabric, compiler: Compiler,
                                          cluster: Cluster) -> None:
    output = compiler.compile(network(fabric.version))
    runs = cluster.sync(output)
    assert sorted(r.name.rsplit("-", 1)[0] for r in runs) == [
        "orderer0-join", "peer0-join", "peer0-join"]
    assert "Status: 201" in next(r.output for r in runs if r.namespace == "ord")
    assert peer_height(cluster, "org1", "mychannel") >= 1
    assert peer_height(cluster, "org2", "mychannel") >= 1
