"""The configtx.yaml profiles fabgitops would write for a plan, as resolved values.

configtxgen reads a profile (internal/configtxgen/genesisconfig/config.go ``Profile``), fills in
its defaults (``completeInitialization``) and hands it to the encoder. This module builds the
same resolved profile from the plan, with crypto material already read, so that ``encoder`` is
a straight port of encoder.go. Three profile shapes exist, as in fabric-samples:

- an application channel for channel participation (Orderer + Application, ``ChannelUsingRaft``
  / ``ChannelUsingBFT`` in test-network/configtx/configtx.yaml);
- the orderer system channel (Orderer + Consortiums, ``TwoOrgsOrdererGenesis``);
- a channel creation profile (Consortium + Application, no Orderer, ``TwoOrgsChannel``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fabgitops.crypto.msp import identity_files, msp_dir
from fabgitops.errors import EnvironmentProblem
from fabgitops.model import ConsensusType, FabricVersion, Policy, PolicyType, SmartBFTOptions
from fabgitops.plan import Channel, NodeKind, Org, Plan
from fabgitops.units import format_duration, parse_duration, parse_size

CONSORTIUM = "SampleConsortium"
"""The consortium of every peer org in the system channel (configtxgen's SampleConsortiumName)."""

# Capabilities of the fabric-samples profiles: Channel V2_0 (V3_0 on 3.x, required for BFT),
# Orderer V2_0, Application V2_5 (test-network/configtx/configtx.yaml L106-137).
CHANNEL_CAPABILITY = {FabricVersion.V2_5: "V2_0", FabricVersion.V3_1: "V3_0"}
ORDERER_CAPABILITY = "V2_0"
APPLICATION_CAPABILITY = "V2_5"


def _implicit(rule: str) -> Policy:
    return Policy(type=PolicyType.IMPLICIT_META, rule=rule)


# configtx.yaml ``Channel`` and ``Orderer`` policy defaults of fabric-samples (the plan resolves
# only the Application and org policies, which users can override).
CHANNEL_POLICIES: Mapping[str, Policy] = {
    "Readers": _implicit("ANY Readers"),
    "Writers": _implicit("ANY Writers"),
    "Admins": _implicit("MAJORITY Admins"),
}
ORDERER_POLICIES: Mapping[str, Policy] = {
    **CHANNEL_POLICIES,
    "BlockValidation": _implicit("ANY Writers"),
}

# SmartBFT's types.DefaultConfig, as genesisconfig.go genesisDefaults writes it (durations through
# Go's Duration.String). configtxgen uses them only when the whole SmartBFT section is absent; a
# partly set section would leave zeros that the orderer rejects (smartbft/util.go
# ConfigFromMetadataOptions -> Configuration.Validate), so every unset field takes its default.
SMARTBFT_DEFAULTS: Mapping[str, int | str | bool] = {
    "request_batch_max_count": 100,
    "request_batch_max_bytes": 10 * 1024 * 1024,
    "request_batch_max_interval": "50ms",
    "incoming_message_buffer_size": 200,
    "request_pool_size": 400,
    "request_forward_timeout": "2s",
    "request_complain_timeout": "20s",
    "request_auto_remove_timeout": "3m0s",
    "view_change_resend_interval": "5s",
    "view_change_timeout": "20s",
    "leader_heartbeat_timeout": "1m0s",
    "leader_heartbeat_count": 10,
    "collect_timeout": "1s",
    "sync_on_start": False,
    "speed_up_view_change": False,
}


@dataclass(frozen=True)
class OrgProfile:
    """A configtx.yaml ``Organizations`` entry."""

    name: str
    """The org's group key in the channel config (``Name``)."""
    msp_id: str
    msp_dir: str
    policies: Mapping[str, Policy]
    anchor_peers: tuple[tuple[str, int], ...] = ()
    orderer_endpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Consenter:
    """One orderer in the consenter set, with its certificates already read (raw PEM bytes)."""

    host: str
    port: int
    msp_id: str
    identity: bytes
    client_tls_cert: bytes
    server_tls_cert: bytes


@dataclass(frozen=True)
class OrdererProfile:
    """The ``Orderer`` section after genesisconfig's defaults."""

    orderer_type: str
    batch_timeout: str
    """Go's Duration.String of the timeout: configtxgen parses it and writes it back."""
    max_message_count: int
    absolute_max_bytes: int
    preferred_max_bytes: int
    organizations: tuple[OrgProfile, ...]
    consenters: tuple[Consenter, ...] = ()
    etcdraft_options: Mapping[str, int | str] = field(default_factory=dict)
    smartbft_options: Mapping[str, int | str | bool] = field(default_factory=dict)
    kafka_brokers: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = (ORDERER_CAPABILITY,)
    policies: Mapping[str, Policy] = field(default_factory=lambda: dict(ORDERER_POLICIES))
    max_channels: int = 0


@dataclass(frozen=True)
class ApplicationProfile:
    """The ``Application`` section."""

    organizations: tuple[OrgProfile, ...]
    policies: Mapping[str, Policy]
    acls: Mapping[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = (APPLICATION_CAPABILITY,)


@dataclass(frozen=True)
class Profile:
    """A configtx.yaml profile (genesisconfig.Profile)."""

    capabilities: tuple[str, ...]
    policies: Mapping[str, Policy] = field(default_factory=lambda: dict(CHANNEL_POLICIES))
    orderer: OrdererProfile | None = None
    application: ApplicationProfile | None = None
    consortium: str | None = None
    consortiums: Mapping[str, tuple[OrgProfile, ...]] | None = None


def org_profile(plan: Plan, org: Org, *, anchors: bool = True) -> OrgProfile:
    """The configtx.yaml entry of an org: MSP dir, policies, endpoints or anchor peers."""
    endpoints: tuple[str, ...] = ()
    peers: tuple[tuple[str, int], ...] = ()
    if org.kind is NodeKind.ORDERER:
        endpoints = tuple(str(n.channel_address) for n in org.nodes)
    elif anchors:
        peers = tuple((org.node(h).channel_address.host, org.node(h).channel_address.port)
                      for h in org.anchor_peers)
    return OrgProfile(name=org.name, msp_id=org.msp_id, msp_dir=msp_dir(org),
                      policies=dict(org.policies), anchor_peers=peers,
                      orderer_endpoints=endpoints)


def orderer_profile(plan: Plan, material: Mapping[str, bytes]) -> OrdererProfile:
    """The Orderer section: batching, consensus metadata inputs and orderer orgs."""
    consensus = plan.consensus
    kind = consensus.type
    raft = consensus.etcdraft
    return OrdererProfile(
        orderer_type=kind.value,
        batch_timeout=format_duration(parse_duration(consensus.batch_timeout)),
        max_message_count=consensus.max_message_count,
        absolute_max_bytes=consensus.absolute_max_bytes,
        preferred_max_bytes=consensus.preferred_max_bytes,
        organizations=tuple(org_profile(plan, o) for o in plan.orderer_orgs),
        consenters=_consenters(plan, material) if kind in (ConsensusType.ETCDRAFT,
                                                           ConsensusType.BFT) else (),
        etcdraft_options={
            # TickInterval is a string field: configtxgen copies it unchanged.
            "tick_interval": raft.tick_interval,
            "election_tick": raft.election_tick,
            "heartbeat_tick": raft.heartbeat_tick,
            "max_inflight_blocks": raft.max_inflight_blocks,
            "snapshot_interval_size": parse_size(raft.snapshot_interval_size),
        } if kind is ConsensusType.ETCDRAFT else {},
        smartbft_options=smartbft_options(consensus.smartbft) if kind is ConsensusType.BFT else {},
        kafka_brokers=tuple(str(b) for b in plan.kafka.brokers) if plan.kafka else (),
    )


def smartbft_options(options: SmartBFTOptions) -> dict[str, int | str | bool]:
    """The SmartBFT options to encode: the configured fields over configtxgen's defaults."""
    configured = {k: v for k, v in options.model_dump().items() if v is not None}
    return {**SMARTBFT_DEFAULTS, **configured}


def _material(material: Mapping[str, bytes], path: str) -> bytes:
    try:
        return material[path]
    except KeyError:
        raise EnvironmentProblem(f"crypto material {path} is missing; it is needed for the "
                                 "channel configuration") from None


def _consenters(plan: Plan, material: Mapping[str, bytes]) -> tuple[Consenter, ...]:
    # test-network configtx.yaml uses the node's tls/server.crt as both client and server cert,
    # and (BFT) its msp/signcerts certificate as the identity.
    out = []
    for org, node in plan.orderers():
        files = identity_files(org, node.identity)
        tls = _material(material, files.tls_cert)
        out.append(Consenter(
            host=node.channel_address.host, port=node.channel_address.port, msp_id=org.msp_id,
            identity=_material(material, files.signcert),
            client_tls_cert=tls, server_tls_cert=tls))
    return tuple(out)


def _application(plan: Plan, channel: Channel, *, anchors: bool = True) -> ApplicationProfile:
    orgs = {o.name: o for o in plan.orgs}  # plan.org() per member scans the orgs: quadratic
    return ApplicationProfile(
        organizations=tuple(org_profile(plan, orgs[n], anchors=anchors)
                            for n in channel.peer_orgs),
        policies=dict(channel.policies), acls=dict(channel.acls))


def application_channel(plan: Plan, channel: Channel,
                        material: Mapping[str, bytes]) -> Profile:
    """An application channel genesis profile (Orderer + Application, anchor peers included)."""
    return Profile(capabilities=(CHANNEL_CAPABILITY[plan.fabric_version],),
                   orderer=orderer_profile(plan, material),
                   application=_application(plan, channel))


def system_channel(plan: Plan, material: Mapping[str, bytes]) -> Profile:
    """The orderer system channel profile: every peer org in one consortium."""
    members = tuple(org_profile(plan, o, anchors=False) for o in plan.peer_orgs)
    return Profile(capabilities=(CHANNEL_CAPABILITY[plan.fabric_version],),
                   orderer=orderer_profile(plan, material),
                   consortiums={CONSORTIUM: members})


def channel_creation(plan: Plan, channel: Channel) -> Profile:
    """The profile ``-outputCreateChannelTx`` and ``-outputAnchorPeersUpdate`` read."""
    return Profile(capabilities=(CHANNEL_CAPABILITY[plan.fabric_version],),
                   application=_application(plan, channel), consortium=CONSORTIUM)


class ProfileRejected(ValueError):
    """configtxgen would refuse this profile. Validation refuses every configuration that
    leads here (``rules``), so this is an internal error: the message says what configtxgen
    would have said."""


def invalid(message: str) -> ProfileRejected:
    """The error configtxgen's check of the same name would report."""
    return ProfileRejected(message)
