"""Consensus: allowed for the Fabric version, enough orderers, sizes and durations Fabric reads."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.model import ConsensusType, FabricVersion
from fabgitops.rules.context import Context
from fabgitops.units import parse_duration, parse_size

ZOOKEEPER_SIZES = (3, 5, 7)
MIN_BROKERS = 4
# Kafka topics use replication factor 3 with min.insync.replicas 2 (Fabric's kafka.rst).
REPLICATION_FACTOR = 3
BFT_MIN_ORDERERS = 4


def orderer_count(ctx: Context) -> int:
    """How many orderers the network has (Specs plus Template.Count of every orderer org)."""
    return sum(len(o.specs) + o.template.count for o in ctx.config.orderer_orgs)


def check(ctx: Context) -> Iterator[Issue]:
    """Run the consensus rules."""
    yield from _type(ctx)
    yield from _batch(ctx)
    yield from _raft(ctx)


def _type(ctx: Context) -> Iterator[Issue]:
    config = ctx.config
    kind = config.consensus.type
    version = config.network.fabric_version
    where = ("Consensus", "Type")
    count = orderer_count(ctx)
    if kind in (ConsensusType.KAFKA, ConsensusType.SOLO) and version is not FabricVersion.V2_5:
        yield ctx.error(where, f"{kind.value} was removed in Fabric 3.0: set Network.FabricVersion "
                        "to '2.5' or use etcdraft or BFT")
    if kind is ConsensusType.BFT and version is FabricVersion.V2_5:
        yield ctx.error(where, "BFT needs Fabric 3.x: set Network.FabricVersion to '3.1'")
    if config.peer_orgs and count == 0:
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
    if kind is ConsensusType.KAFKA:
        yield from _kafka(ctx)


def _kafka(ctx: Context) -> Iterator[Issue]:
    kafka = ctx.config.consensus.kafka
    if kafka.zoo_keepers not in ZOOKEEPER_SIZES:
        yield ctx.error(("Consensus", "Kafka", "ZooKeepers"), f"a ZooKeeper ensemble has 3, 5 or "
                        f"7 servers (an odd number for quorum); got {kafka.zoo_keepers}")
    if kafka.brokers < REPLICATION_FACTOR:
        yield ctx.error(("Consensus", "Kafka", "Brokers"), f"at least {REPLICATION_FACTOR} "
                        f"brokers are needed for replication factor {REPLICATION_FACTOR}; got "
                        f"{kafka.brokers}")
    elif kafka.brokers < MIN_BROKERS:
        yield ctx.warning(("Consensus", "Kafka", "Brokers"), f"Fabric recommends at least "
                          f"{MIN_BROKERS} brokers so that losing one does not block channel "
                          f"creation; got {kafka.brokers}")


def _batch(ctx: Context) -> Iterator[Issue]:
    consensus = ctx.config.consensus
    path = ("Consensus", "BatchSize")
    sizes: dict[str, int] = {}
    for key, value in (("AbsoluteMaxBytes", consensus.batch_size.absolute_max_bytes),
                       ("PreferredMaxBytes", consensus.batch_size.preferred_max_bytes)):
        try:
            sizes[key] = parse_size(value)
        except ValueError as exc:
            yield ctx.error((*path, key), str(exc))
            continue
        if sizes[key] == 0:
            yield ctx.error((*path, key), "must be more than 0 bytes")
    if len(sizes) == 2 and sizes["PreferredMaxBytes"] > sizes["AbsoluteMaxBytes"]:
        yield ctx.error((*path, "PreferredMaxBytes"), f"{sizes['PreferredMaxBytes']} bytes is "
                        f"more than AbsoluteMaxBytes ({sizes['AbsoluteMaxBytes']} bytes)")
    yield from _positive_duration(ctx, ("Consensus", "BatchTimeout"), consensus.batch_timeout)


def _positive_duration(ctx: Context, path: tuple[str, ...], text: str) -> Iterator[Issue]:
    try:
        if parse_duration(text) <= 0:
            yield ctx.error(path, f"{text!r} must be a positive duration")
    except ValueError as exc:
        yield ctx.error(path, str(exc))


def _raft(ctx: Context) -> Iterator[Issue]:
    raft = ctx.config.consensus.etcd_raft
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
