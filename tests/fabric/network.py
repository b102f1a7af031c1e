"""The networks the real-Fabric tests compile, and small queries through the harness."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from fabgitops.channel._pb import common, configtx
from fabgitops.channel.history import read_history
from fabgitops.channel.protolator import to_tree
from fabgitops.output.apply import read_tree

from .cluster import Cluster, JobFailed

PEER_ORG = """  - Name: {name}
    Domain: {domain}
    EnableNodeOUs: true
    StateDatabase: LevelDB
    Template: {{Count: {count}}}
"""


def network(version: str, *, orgs: int = 2, orderers: int = 1, extra: str = "") -> str:
    """A small etcdraft network: one orderer org, ``orgs`` peer orgs of one peer each."""
    peers = "".join(PEER_ORG.format(name=f"Org{i}", domain=f"org{i}", count=1)
                    for i in range(1, orgs + 1))
    return (f'Network: {{FabricVersion: "{version}"}}\n'
            "OrdererOrgs:\n  - Name: Orderer\n    Domain: ord\n    EnableNodeOUs: true\n"
            f"    Template: {{Count: {orderers}}}\n"
            f"PeerOrgs:\n{peers}"
            "Kubernetes: {CLI: false}\nSecrets: {Mode: plain}\nGitOps: {Engine: none}\n"
            + extra)


def admin_job(cluster: Cluster, namespace: str) -> dict:  # type: ignore[type-arg]
    """A peer join Job of the org: its env and mounts are an admin CLI session."""
    jobs = cluster.find(namespace, "Job", "peer0-join")
    assert jobs, f"no peer0 join Job in {namespace}"
    return jobs[0]


def peer_height(cluster: Cluster, namespace: str, channel: str) -> int:
    """``peer channel getinfo`` height of the org's peer0."""
    run = cluster.run_script(admin_job(cluster, namespace),
                             f"peer channel getinfo -c {channel}")
    if run.returncode:
        raise JobFailed(run.output)
    match = re.search(r"Blockchain info: (\{.*\})", run.output)
    assert match, run.output
    return int(json.loads(match.group(1))["height"])


def live_config(cluster: Cluster, namespace: str, channel: str) -> Any:
    """The channel's current ``common.Config``, fetched through the org's peer0."""
    run = cluster.run_script(admin_job(cluster, namespace), (
        f"peer channel fetch config /tmp/live.block -c {channel} >/dev/null 2>&1 && "
        "echo BLOCK=$(base64 -w0 /tmp/live.block)"))
    match = re.search(r"^BLOCK=(\S+)$", run.output, re.M)
    if run.returncode or not match:
        raise JobFailed(run.output)
    return read_config_block_any(base64.b64decode(match.group(1)))


def read_config_block_any(data: bytes) -> Any:
    """The Config of any config block (not only block 0)."""
    block = common.Block.FromString(data)
    payload = common.Payload.FromString(common.Envelope.FromString(block.data.data[0]).payload)
    return configtx.ConfigEnvelope.FromString(payload.data).config


def declared_config(output: Path, channel: str) -> Any:
    """The config git says the channel has after its last update."""
    history = read_history(channel, read_tree(output))
    assert history is not None
    return history.config


def live_as_declared(cluster: Cluster, namespace: str, output: Path,
                     channel: str = "mychannel") -> Any:
    """The channel's live config (for further checks), once it is checked to be the config git
    declares in ``output``."""
    live = live_config(cluster, namespace, channel)
    assert to_tree(live) == to_tree(declared_config(output, channel))
    return live
