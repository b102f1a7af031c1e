"""Every update the compiler writes equals what the real ``configtxlator compute_update``
computes from the same two configs, and the orderer's apply gives the declared config.

Needs the Fabric binaries: ``FABRIC_BIN`` names a directory holding ``configtxlator`` (see
docs/fabric-harness.md); skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fabgitops.channel._pb import configtx, serialize
from fabgitops.channel.history import read_history
from fabgitops.channel.protolator import to_tree

from .test_history import BASE, ORG3, Net

FABRIC_BIN = os.environ.get("FABRIC_BIN", "")
pytestmark = pytest.mark.skipif(
    not (FABRIC_BIN and (Path(FABRIC_BIN) / "configtxlator").is_file()),
    reason="FABRIC_BIN is not set to a directory with configtxlator (docs/fabric-harness.md)")

CHANGES = {
    "add-org3": [("Channels:", ORG3),
                 ("Organizations: [Org1, Org2]", "Organizations: [Org1, Org2, Org3]")],
    "remove-org2": [("Organizations: [Org1, Org2]", "Organizations: [Org1]")],
    "anchor-peers": [("Template: {Count: 2}\n",
                      "Template: {Count: 2}\n    AnchorPeers: [peer1]\n")],
    "batch-size": [("MaxMessageCount: 10,", "MaxMessageCount: 30,")],
    "batch-timeout": [("  Type: etcdraft\n", "  Type: etcdraft\n  BatchTimeout: 5s\n")],
    "consenter-add": [("Template: {Count: 3}", "Template: {Count: 4}")],
    "consenter-remove": [("Template: {Count: 3}", "Template: {Count: 2}")],
}


def _compute_update(tmp: Path, original: configtx.Config,
                    updated: configtx.Config) -> configtx.ConfigUpdate:
    (tmp / "original.pb").write_bytes(serialize(original))
    (tmp / "updated.pb").write_bytes(serialize(updated))
    subprocess.run([str(Path(FABRIC_BIN) / "configtxlator"), "compute_update",
                    "--channel_id", "mychannel", "--original", str(tmp / "original.pb"),
                    "--updated", str(tmp / "updated.pb"), "--output", str(tmp / "update.pb")],
                   check=True, capture_output=True, timeout=60)
    return configtx.ConfigUpdate.FromString((tmp / "update.pb").read_bytes())


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_update_equals_configtxlator_compute_update(tmp_path: Path, name: str) -> None:
    net = Net(BASE)
    for old, new in CHANGES[name]:
        net.change(old, new)
    history = read_history("mychannel", net.tree)
    assert history is not None
    assert len(history.updates) == 1
    last = history.updates[-1]
    theirs = _compute_update(tmp_path, last.base, last.target)
    assert to_tree(theirs) == to_tree(last.config_update)
    assert theirs == last.config_update
