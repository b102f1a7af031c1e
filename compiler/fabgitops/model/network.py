"""The network, its consensus and its channels."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from fabgitops.model.base import ByteSize, Duration, StrictModel
from fabgitops.model.orgs import Policies


class FabricVersion(StrEnum):
    """Fabric release line; images and channel capabilities follow it."""

    V2_5 = "2.5"
    V3_1 = "3.1"


class Images(StrictModel):
    """Image overrides (``repository:tag``); defaults are pinned per Fabric version."""

    peer: str | None = None
    orderer: str | None = None
    ca: str | None = Field(default=None, alias="CA")
    tools: str | None = None
    couch_db: str | None = Field(default=None, alias="CouchDB")
    kafka: str | None = None
    zoo_keeper: str | None = Field(default=None, alias="ZooKeeper")


class Network(StrictModel):
    """Network-wide settings."""

    name: str = Field(default="fabric", min_length=1)
    """Network name: prefixes the GitOps objects and names ``clusters/<Name>``."""
    fabric_version: FabricVersion = FabricVersion.V3_1
    namespace_prefix: str = ""
    """Prepended to every namespace, so that two networks can share a cluster."""
    cluster_domain: str = Field(default="cluster.local", min_length=1)
    images: Images = Field(default_factory=Images)


class ConsensusType(StrEnum):
    """Ordering service consensus: etcdraft and BFT (3.x) use channel participation; kafka and
    solo (2.5 only) use a system channel."""

    ETCDRAFT = "etcdraft"
    BFT = "BFT"
    KAFKA = "kafka"
    SOLO = "solo"


class BatchSize(StrictModel):
    """Block cutting limits (configtx.yaml ``Orderer.BatchSize``)."""

    max_message_count: int = Field(default=500, ge=1, le=2**32 - 1)
    absolute_max_bytes: ByteSize = "10 MB"
    preferred_max_bytes: ByteSize = "2 MB"


class EtcdRaftOptions(StrictModel):
    """etcdraft options (configtx.yaml ``Orderer.EtcdRaft.Options``)."""

    tick_interval: Duration = "500ms"
    election_tick: int = Field(default=10, ge=1, le=2**32 - 1)
    heartbeat_tick: int = Field(default=1, ge=1, le=2**32 - 1)
    max_inflight_blocks: int = Field(default=5, ge=1, le=2**32 - 1)
    snapshot_interval_size: ByteSize = "16 MB"


class SmartBFTOptions(StrictModel):
    """SmartBFT options (configtx.yaml ``Orderer.SmartBFT``); unset fields take configtxgen's
    defaults."""

    request_batch_max_count: int | None = Field(default=None, ge=1)
    request_batch_max_bytes: int | None = Field(default=None, ge=1)
    request_batch_max_interval: Duration | None = None
    incoming_message_buffer_size: int | None = Field(default=None, ge=1)
    request_pool_size: int | None = Field(default=None, ge=1)
    request_forward_timeout: Duration | None = None
    request_complain_timeout: Duration | None = None
    request_auto_remove_timeout: Duration | None = None
    view_change_resend_interval: Duration | None = None
    view_change_timeout: Duration | None = None
    leader_heartbeat_timeout: Duration | None = None
    leader_heartbeat_count: int | None = Field(default=None, ge=1)
    collect_timeout: Duration | None = None
    sync_on_start: bool | None = None
    speed_up_view_change: bool | None = None
    leader_rotation: Literal["ROTATION_ON", "ROTATION_OFF"] | None = None
    decisions_per_leader: int | None = Field(default=None, ge=0)


class Kafka(StrictModel):
    """Kafka ordering (Fabric 2.5 only): brokers and ZooKeeper ensemble size."""

    brokers: int = Field(default=4, ge=1, le=50)
    zoo_keepers: int = Field(default=3, ge=1, le=15, alias="ZooKeepers")


class Consensus(StrictModel):
    """Ordering service settings (configtx.yaml ``Orderer`` section)."""

    type: ConsensusType = ConsensusType.ETCDRAFT
    batch_timeout: Duration = "2s"
    batch_size: BatchSize = Field(default_factory=BatchSize)
    etcd_raft: EtcdRaftOptions = Field(default_factory=EtcdRaftOptions, alias="EtcdRaft")
    smart_bft: SmartBFTOptions = Field(default_factory=SmartBFTOptions, alias="SmartBFT")
    kafka: Kafka = Field(default_factory=Kafka)


class Channel(StrictModel):
    """An application channel."""

    name: str = Field(min_length=1)
    organizations: tuple[str, ...] = Field(min_length=1)
    """Names of the peer orgs that are members."""
    policies: Policies | None = None
    """Application policies; defaults Readers/Writers ANY, Admins/Endorsement MAJORITY."""
    acls: dict[str, str] | None = Field(default=None, alias="ACLs")
    """Resource -> policy path, written into the Application group when set."""
