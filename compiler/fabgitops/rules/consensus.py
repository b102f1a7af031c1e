"""Consensus: allowed for the Fabric version, enough orderers, sizes and durations Fabric reads."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.model import ConsensusType, FabricVersion
from fabgitops.plan import KafkaCluster
from fabgitops.rules.context import RuleContext
from fabgitops.units import parse_duration, parse_size

ZOOKEEPER_SIZES = (3, 5, 7)
MIN_BROKERS = 4
# Kafka topics use replication factor 3 with min.insync.replicas 2 (Fabric's kafka.rst).
REPLICATION_FACTOR = 3
BFT_MIN_ORDERERS = 4


def orderer_count(ctx: RuleContext) -> int:
    """How many orderers the network has."""
    return sum(len(o.nodes) for o in ctx.plan.orderer_orgs)


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the consensus rules."""
    yield from _type(ctx)
    yield from _batch(ctx)
    yield from _raft(ctx)


def _type(ctx: RuleContext) -> Iterator[Issue]:
    plan = ctx.plan
    kind = plan.consensus.type
    version = plan.fabric_version
    where = ("Consensus", "Type")
    count = orderer_count(ctx)
    if kind in (ConsensusType.KAFKA, ConsensusType.SOLO) and version is not FabricVersion.V2_5:
        yield ctx.error(where, f"{kind.value} was removed in Fabric 3.0: set Network.FabricVersion "
                        "to '2.5' or use etcdraft or BFT")
    if kind is ConsensusType.BFT and version is FabricVersion.V2_5:
        yield ctx.error(where, "BFT needs Fabric 3.x: set Network.FabricVersion to '3.1'")
    # An External org's orderers are in its bundle, which is read after these rules.
    if plan.peer_orgs and count == 0 and not any(o.external for o in plan.orderer_orgs):
        yield ctx.error(("OrdererOrgs",), "the network has no orderer: add an orderer org with "
                        "Template.Count or Specs")
    if kind is ConsensusType.BFT and 0 < count < BFT_MIN_ORDERERS:
        yield ctx.error(where, f"BFT needs at least {BFT_MIN_ORDERERS} orderers (3f+1 to tolerate "
                        f"f faults); the network has {count}")
    if kind is ConsensusType.SOLO and count > 1:
        yield ctx.error(where, f"solo runs exactly one orderer; the network has {count}")
    if kind is ConsensusType.ETCDRAFT and count and count % 2 == 0:
        yield ctx.warning(where, f"{count} etcdraft orderers tolerate no more failures than "
                          f"{count - 1}: use an odd number")
    if plan.kafka is not None:
        yield from _kafka(ctx, plan.kafka)
    if version is not FabricVersion.V2_5:
        # encoder.go NewOrdererOrgGroup: with the V3_0 channel capability every orderer org
        # must list its orderer endpoints, so it needs at least one orderer.
        for org in plan.orderer_orgs:
            if not org.nodes and not org.external:
                yield ctx.error(org.source.path, f"orderer org {org.name!r} has no orderers: "
                                "Fabric 3.x channels need every orderer org's endpoints (set "
                                "Template.Count or Specs)")


def _kafka(ctx: RuleContext, kafka: KafkaCluster) -> Iterator[Issue]:
    zookeepers, brokers = len(kafka.zookeepers), len(kafka.brokers)
    if zookeepers not in ZOOKEEPER_SIZES:
        yield ctx.error(("Consensus", "Kafka", "ZooKeepers"), f"a ZooKeeper ensemble has 3, 5 or "
                        f"7 servers (an odd number for quorum); got {zookeepers}")
    if brokers < REPLICATION_FACTOR:
        yield ctx.error(("Consensus", "Kafka", "Brokers"), f"at least {REPLICATION_FACTOR} "
                        f"brokers are needed for replication factor {REPLICATION_FACTOR}; got "
                        f"{brokers}")
    elif brokers < MIN_BROKERS:
        yield ctx.warning(("Consensus", "Kafka", "Brokers"), f"Fabric recommends at least "
                          f"{MIN_BROKERS} brokers so that losing one does not block channel "
                          f"creation; got {brokers}")


def _batch(ctx: RuleContext) -> Iterator[Issue]:
    # The plan builder reports sizes it cannot read, or zero, and resolves them to 0.
    consensus = ctx.plan.consensus
    absolute, preferred = consensus.absolute_max_bytes, consensus.preferred_max_bytes
    if absolute and preferred > absolute:
        yield ctx.error(("Consensus", "BatchSize", "PreferredMaxBytes"), f"{preferred} bytes is "
                        f"more than AbsoluteMaxBytes ({absolute} bytes)")
    yield from _positive_duration(ctx, ("Consensus", "BatchTimeout"), consensus.batch_timeout)


def _positive_duration(ctx: RuleContext, path: tuple[str, ...], text: str) -> Iterator[Issue]:
    try:
        if parse_duration(text) <= 0:
            yield ctx.error(path, f"{text!r} must be a positive duration")
    except ValueError as exc:
        yield ctx.error(path, str(exc))


def _raft(ctx: RuleContext) -> Iterator[Issue]:
    raft = ctx.plan.consensus.etcdraft
    path = ("Consensus", "EtcdRaft")
    yield from _positive_duration(ctx, (*path, "TickInterval"), raft.tick_interval)
    # orderer/consensus/etcdraft/util.go CheckConfigMetadata.
    if raft.election_tick <= raft.heartbeat_tick:
        yield ctx.error((*path, "ElectionTick"), f"ElectionTick ({raft.election_tick}) must be "
                        f"greater than HeartbeatTick ({raft.heartbeat_tick})")
    try:
        parse_size(raft.snapshot_interval_size)
    except ValueError as exc:
        yield ctx.error((*path, "SnapshotIntervalSize"), str(exc))
