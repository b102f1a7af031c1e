"""Networks, crypto material, a fixed clock and deterministic randomness for the channel tests."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from fabgitops import yamlio
from fabgitops.plan import Plan
from fabgitops.validate import validate

from .material import plan_material

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
NOW_JSON = "2026-01-02T03:04:05Z"

_PEERS = """
PeerOrgs:
  - Name: Org1
    Domain: org1
    EnableNodeOUs: true
    Template: {Count: 2}
  - Name: Org2
    Domain: org2
    MSPID: Org2-MSP.example
    Template: {Count: 1}
    AnchorPeers: [peer0]
Channels:
  - Name: mychannel
    Organizations: [Org1, Org2]
  - Name: one
    Organizations: [Org1]
"""

SCENARIOS = {
    "etcdraft-2.5": """
Network: {FabricVersion: "2.5"}
OrdererOrgs:
  - Name: OrdererOrg
    Domain: orderer
    EnableNodeOUs: true
    Template: {Count: 3}
Consensus: {Type: etcdraft, BatchTimeout: 90s}
""" + _PEERS,
    "etcdraft-3.1": """
Network: {FabricVersion: "3.1"}
OrdererOrgs:
  - Name: OrdererOrg
    Domain: orderer
    EnableNodeOUs: true
    Template: {Count: 3}
Consensus:
  Type: etcdraft
  BatchSize: {MaxMessageCount: 10, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 512 KB}
  EtcdRaft: {TickInterval: 250ms, SnapshotIntervalSize: 1 MB}
""" + _PEERS,
    "bft-3.1": """
Network: {FabricVersion: "3.1"}
OrdererOrgs:
  - Name: OrdererOrg
    Domain: orderer
    EnableNodeOUs: true
    Template: {Count: 3}
  - Name: Ord2
    Domain: ord2
    Template: {Count: 1}
Consensus: {Type: BFT}
""" + _PEERS,
    "solo-2.5": """
Network: {FabricVersion: "2.5"}
OrdererOrgs:
  - Name: OrdererOrg
    Domain: orderer
    Template: {Count: 1}
Consensus: {Type: solo}
""" + _PEERS,
    "kafka-2.5": """
Network: {FabricVersion: "2.5"}
OrdererOrgs:
  - Name: OrdererOrg
    Domain: orderer
    EnableNodeOUs: true
    Template: {Count: 2}
Consensus:
  Type: kafka
  Kafka: {Brokers: 4, ZooKeepers: 3}
""" + _PEERS,
}


def make_plan(text: str) -> Plan:
    """Validate a cluster-config text and build its plan."""
    plan, _ = validate(yamlio.parse(text, source="cluster-config.yaml"))
    return plan


def counter_rng() -> Callable[[int], bytes]:
    """Deterministic 'random' bytes: SHA-256 of a counter, so every call differs."""
    counter = itertools.count()

    def rng(n: int) -> bytes:
        return hashlib.sha256(str(next(counter)).encode()).digest()[:n]

    return rng


def clock() -> datetime:
    """The fixed test clock."""
    return NOW


@pytest.fixture(scope="session")
def networks() -> dict[str, tuple[Plan, dict[str, bytes]]]:
    """Each scenario's plan with freshly generated crypto material (built once per session)."""
    out = {}
    for name, text in SCENARIOS.items():
        plan = make_plan(text)
        out[name] = (plan, plan_material(plan))
    return out
