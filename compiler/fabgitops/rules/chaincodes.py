"""Chaincodes: names and labels Fabric accepts, orgs on the channels, policies and collections
that the lifecycle would not refuse at approve or commit time."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator, Mapping

from fabgitops.chaincode.naming import object_name
from fabgitops.channel.policy_dsl import Gate, PolicyRuleError, gate_principals, parse_gates
from fabgitops.errors import Issue
from fabgitops.images import parse_image
from fabgitops.model import Chaincode, ChaincodePolicy, Collection
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path

# core/chaincode/lifecycle/scc.go: ChaincodeNameRegExp, ChaincodeVersionRegExp and
# CollectionNameRegExp (written there as ^[A-Za-z0-9-]+([A-Za-z0-9_-]+)*$).
NAME = re.compile(r"^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$")
VERSION = re.compile(r"^[A-Za-z0-9_.+-]+$")
COLLECTION = re.compile(r"^[A-Za-z0-9-]+[A-Za-z0-9_-]*$")
# The chaincode name also names Kubernetes objects (<name>-ccaas): DNS-1123 after lowercasing.
MAX_NAME = 40
_ADDRESS = re.compile(r"^[A-Za-z0-9.-]+:[0-9]{1,5}$")
_SYSTEM_NAMESPACES = {"_lifecycle", "lscc", "cscc", "qscc", "escc", "vscc"}


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the chaincode rules."""
    channels = channel_orgs(ctx)
    msp = {o.name: o.msp_id for o in ctx.plan.peer_orgs}
    seen: dict[str, Path] = {}
    for i, chaincode in enumerate(ctx.plan.chaincodes):
        path: Path = ("Chaincodes", i)
        key = object_name(chaincode.name)
        if key in seen:
            yield ctx.error((*path, "Name"), f"chaincode {chaincode.name!r} is also defined at "
                            f"{ctx.where(seen[key])} (its Kubernetes objects would share the "
                            f"name {key!r}: names must differ ignoring case and '_' vs '-')")
        seen.setdefault(key, (*path, "Name"))
        yield from _chaincode(ctx, path, chaincode, channels, msp)


def channel_orgs(ctx: RuleContext) -> dict[str, tuple[str, ...]]:
    """Peer org names per channel (the plan's channels: the default one included)."""
    return {c.name: c.peer_orgs for c in ctx.plan.channels}


def _chaincode(ctx: RuleContext, path: Path, cc: Chaincode, channels: Mapping[str, tuple[str, ...]],
               msp: Mapping[str, str]) -> Iterator[Issue]:
    yield from _names(ctx, path, cc)
    members = yield from _members(ctx, path, cc, channels, msp)
    channel_msps = {msp[o] for o in members if o in msp}
    if cc.endorsement_policy is not None:
        yield from _policy(ctx, (*path, "EndorsementPolicy"), cc.endorsement_policy,
                           channel_msps)
    yield from _collections(ctx, path, cc.collections, channel_msps)


def _names(ctx: RuleContext, path: Path, cc: Chaincode) -> Iterator[Issue]:
    if not NAME.match(cc.name) or len(cc.name) > MAX_NAME:
        yield ctx.error((*path, "Name"), f"chaincode name {cc.name!r} must be letters and digits "
                        "in groups joined by single '-' or '_' (Fabric's rule), at most "
                        f"{MAX_NAME} characters")
    elif cc.name in _SYSTEM_NAMESPACES:
        yield ctx.error((*path, "Name"), f"{cc.name!r} is a system chaincode's name")
    if not VERSION.match(cc.version):
        yield ctx.error((*path, "Version"), f"version {cc.version!r} may contain only letters, "
                        "digits and '_', '.', '+', '-' (Fabric's rule)")
    # The packager (tar, gzip) loads only for a config with chaincodes.
    from fabgitops.chaincode.package import label_problem

    label = cc.label if cc.label is not None else f"{cc.name}_{cc.version}"
    problem = label_problem(label)
    if problem:
        yield ctx.error((*path, "Label" if cc.label is not None else "Version"), problem)
    try:
        parse_image(cc.image)
    except ValueError as exc:
        yield ctx.error((*path, "Image"), str(exc))
    if cc.address is not None and not _ADDRESS.match(cc.address):
        yield ctx.error((*path, "Address"), f"address {cc.address!r} must be host:port")
    if cc.tls.client_auth and not cc.tls.enabled:
        yield ctx.error((*path, "TLS", "ClientAuth"), "client authentication needs TLS: set "
                        "TLS.Enabled: true")


def _members(ctx: RuleContext, path: Path, cc: Chaincode, channels: Mapping[str, tuple[str, ...]],
             msp: Mapping[str, str]) -> Generator[Issue, None, set[str]]:
    """Check the channels and orgs; return the peer orgs of the chaincode's channels."""
    members: set[str] = set()
    for j, channel in enumerate(cc.channels):
        if channel not in channels:
            yield ctx.error((*path, "Channels", j), f"no channel is named {channel!r} "
                            f"(channels: {', '.join(sorted(channels)) or 'none'})")
            continue
        members.update(channels[channel])
    on_channels = [c for c in cc.channels if c in channels]
    for j, org in enumerate(cc.organizations or ()):
        where = (*path, "Organizations", j)
        if org not in msp:
            yield ctx.error(where, f"no peer org is named {org!r} (peer orgs: "
                            f"{', '.join(sorted(msp)) or 'none'})")
            continue
        missing = [c for c in on_channels if org not in channels[c]]
        if missing:
            yield ctx.error(where, f"org {org!r} is not a member of channel "
                            f"{', '.join(missing)}: it can neither install nor approve there")
        if (cc.organizations or ()).index(org) != j:
            yield ctx.error(where, f"{org!r} is listed twice")
    return members


def _policy(ctx: RuleContext, path: Path, policy: ChaincodePolicy,
            channel_msps: set[str]) -> Iterator[Issue]:
    if (policy.signature is None) == (policy.channel_config_policy is None):
        yield ctx.error(path, "set exactly one of Signature and ChannelConfigPolicy")
        return
    if policy.channel_config_policy is not None:
        reference = policy.channel_config_policy
        if not reference.startswith("/Channel/Application/") or reference.endswith("/"):
            yield ctx.error((*path, "ChannelConfigPolicy"), f"{reference!r} must be a policy "
                            "path under /Channel/Application/, e.g. "
                            "/Channel/Application/Endorsement")
        return
    assert policy.signature is not None
    yield from _signature(ctx, (*path, "Signature"), policy.signature, channel_msps,
                          or_only=False)


def _signature(ctx: RuleContext, path: Path, rule: str, channel_msps: set[str], *,
               or_only: bool) -> Iterator[Issue]:
    """Parse with the channel stage's parser; every principal's org must be on the channels."""
    try:
        gates = parse_gates(rule)
    except PolicyRuleError as exc:
        yield ctx.error(path, f"invalid signature policy {rule!r}: {exc}")
        return
    for principal in gate_principals(gates):
        if principal.msp_id not in channel_msps:
            yield ctx.error(path, f"{principal.msp_id!r} in {rule!r} is not the MSP ID of an "
                            f"org on the chaincode's channels ({', '.join(sorted(channel_msps))})")
    if or_only:
        threshold = _not_or(gates)
        if threshold is not None:
            yield ctx.error(path, f"a collection policy must be an OR of members (Fabric: "
                            f"'signature policy is not an OR concatenation, NOutOf "
                            f"{threshold}'): {rule!r}")


def _not_or(gate: Gate) -> int | None:
    """The first gate with a threshold other than 1 (scc.go validateSpOrConcat), or None."""
    if gate.threshold != 1:
        return gate.threshold
    for sub in gate.args:
        found = _not_or(sub) if isinstance(sub, Gate) else None
        if found is not None:
            return found
    return None


def _collections(ctx: RuleContext, path: Path, collections: tuple[Collection, ...],
                 channel_msps: set[str]) -> Iterator[Issue]:
    names: set[str] = set()
    for k, collection in enumerate(collections):
        where: Path = (*path, "Collections", k)
        if not COLLECTION.match(collection.name):
            yield ctx.error((*where, "Name"), f"collection name {collection.name!r} may contain "
                            "only letters, digits, '-' and '_', and must not start with '_'")
        if collection.name in names:
            yield ctx.error((*where, "Name"), f"collection {collection.name!r} is defined twice")
        names.add(collection.name)
        if collection.max_peer_count < collection.required_peer_count:
            yield ctx.error((*where, "MaxPeerCount"), f"MaxPeerCount "
                            f"{collection.max_peer_count} is less than RequiredPeerCount "
                            f"{collection.required_peer_count}")
        yield from _signature(ctx, (*where, "Policy"), collection.policy, channel_msps,
                              or_only=True)
        if collection.endorsement_policy is not None:
            yield from _policy(ctx, (*where, "EndorsementPolicy"),
                               collection.endorsement_policy, channel_msps)
