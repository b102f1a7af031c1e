"""Channels: valid names, existing member orgs, policies that Fabric can satisfy."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from fabgitops.channel.policy_dsl import PolicyRuleError, parse_implicit_meta_text, principals
from fabgitops.errors import Issue
from fabgitops.model import Policy, PolicyType
from fabgitops.plan import SYSTEM_CHANNEL
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path

# common/configtx/validator.go ValidateChannelID.
CHANNEL_ID = re.compile(r"^[a-z][a-z0-9.-]*$")
MAX_CHANNEL_ID = 249
NODE_OU_ROLES = {"client", "peer", "orderer"}


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the channel and policy rules over the plan's channels and orgs (their policies are
    the defaults merged with the configured ones; the defaults always pass)."""
    plan = ctx.plan
    yield from _channels(ctx)
    if not plan.channels and plan.peer_orgs:
        yield ctx.warning(("Channels",), "no channels: the peers will join none")
    node_ous = {o.msp_id: o.enable_node_ous for o in plan.orgs}  # once, not once per org
    for org in plan.orgs:
        yield from _policies(ctx, org.source.at("Policies"), org.policies, node_ous)
    for channel in plan.channels:
        yield from _policies(ctx, channel.source.at("Policies"), channel.policies, node_ous)


def _channels(ctx: RuleContext) -> Iterator[Issue]:
    plan = ctx.plan
    peer_orgs = {o.name for o in plan.peer_orgs}
    orderer_orgs = {o.name for o in plan.orderer_orgs}
    names: dict[str, Path] = {}
    for channel in plan.channels:
        where_name = channel.source.at("Name")
        name = channel.name
        if len(name) > MAX_CHANNEL_ID or not CHANNEL_ID.match(name):
            yield ctx.error(where_name, f"channel name {name!r} must start with a lowercase "
                            "letter, contain only lowercase letters, digits, '.' and '-', and "
                            f"be at most {MAX_CHANNEL_ID} characters (Fabric's channel ID rule)")
        if name == SYSTEM_CHANNEL:
            yield ctx.error(where_name, f"{SYSTEM_CHANNEL!r} is the orderer system channel")
        if name in names:
            yield ctx.error(where_name, f"channel {name!r} is also defined at "
                            f"{ctx.where(names[name])}")
        names.setdefault(name, where_name)
        seen: set[str] = set()
        for j, member in enumerate(channel.peer_orgs):
            where = channel.source.at("Organizations", j)
            if member in orderer_orgs and member not in peer_orgs:
                yield ctx.error(where, f"{member!r} is an orderer org; channels list peer orgs "
                                "(every orderer org serves every channel)")
            elif member not in peer_orgs:
                known = ", ".join(sorted(peer_orgs)) or "none"
                yield ctx.error(where, f"no peer org is named {member!r} (peer orgs: {known})")
            if member in seen:
                yield ctx.error(where, f"{member!r} is listed twice")
            seen.add(member)


def _policies(ctx: RuleContext, path: Path, policies: Mapping[str, Policy],
              node_ous: Mapping[str, bool]) -> Iterator[Issue]:
    """Each rule parses as configtxgen parses it (the channel stage's parser), and a role that
    needs NodeOUs names an org that has them (``node_ous``: EnableNodeOUs by MSP ID)."""
    for name, policy in policies.items():
        where = (*path, name, "Rule")
        if policy.type is PolicyType.IMPLICIT_META:
            try:
                parse_implicit_meta_text(policy.rule)
            except PolicyRuleError as exc:
                yield ctx.error(where, f"{policy.rule!r} is not an ImplicitMeta rule such as "
                                f"'ANY Readers' or 'MAJORITY Admins': {exc}")
            continue
        try:
            found = principals(policy.rule)
        except PolicyRuleError as exc:
            yield ctx.error(where, f"invalid Signature rule {policy.rule!r}: {exc}")
            continue
        for msp, role in found:
            if role in NODE_OU_ROLES and node_ous.get(msp) is False:
                yield ctx.error(where, f"role '{msp}.{role}' needs EnableNodeOUs: true in the org "
                                f"with MSP ID {msp!r}; without NodeOUs use .member or .admin")
