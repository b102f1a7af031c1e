"""The networks the real-Fabric tests compile, and small queries through the harness."""

from __future__ import annotations

import json
import re

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
