"""The static check of cross-cluster addressing: every dial resolves.

A party's nodes and Jobs dial other nodes by the addresses the plan gives them: peers and their
join Jobs dial every orderer (``ORDERERS``, the channel's orderer endpoints), peers dial the
anchor peers of the orgs they share a channel with (gossip), and orderers dial every consenter.
A dial is sound when the target runs on the dialer's cluster and is dialed by its Service name,
or when it is dialed by its declared external endpoint and that name is a SAN of its TLS
certificate; anything else would fail at run time (no such Service, or a refused handshake),
so it is a validation error here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from fabgitops.errors import Issue
from fabgitops.placement.clusters import org_cluster
from fabgitops.plan import Endpoint, Node, NodeKind, Org, Plan
from fabgitops.yamlio import Document


def dial_issues(plan: Plan, doc: Document) -> Iterator[Issue]:
    """Every dial of this party's nodes that would not resolve, located at the dialer's org."""
    channels = _channel_membership(plan)
    for dialer in plan.orgs:
        if dialer.external:
            continue  # its own party checks its dials
        for target_org, node, address, why in _dials(plan, dialer, channels):
            problem = _problem(plan, dialer, target_org, node, address)
            if problem:
                yield doc.issue(dialer.source.path, f"{dialer.name} dials {node.hostname} of "
                                f"{target_org.name} at {address} ({why}): {problem}")


def count_dials(plan: Plan) -> int:
    """How many dials :func:`dial_issues` checks (tests assert it checked something)."""
    channels = _channel_membership(plan)
    return sum(1 for d in plan.orgs if not d.external for _ in _dials(plan, d, channels))


@dataclass(frozen=True)
class _Channels:
    """Channel membership both ways, built once: scanning every org or every channel's
    members for every dialer would be quadratic in the orgs."""

    of_org: Mapping[str, frozenset[str]]
    """The channels listing each peer org (by name)."""
    peer_orgs: Mapping[str, frozenset[int]]
    """The positions in ``plan.peer_orgs`` of the orgs in each channel (``Org.channels``)."""


def _channel_membership(plan: Plan) -> _Channels:
    of_org: dict[str, set[str]] = {}
    for channel in plan.channels:
        for name in channel.peer_orgs:
            of_org.setdefault(name, set()).add(channel.name)
    members: dict[str, set[int]] = {}
    for i, org in enumerate(plan.peer_orgs):
        for name in org.channels:
            members.setdefault(name, set()).add(i)
    return _Channels({k: frozenset(v) for k, v in of_org.items()},
                     {k: frozenset(v) for k, v in members.items()})


def _dials(plan: Plan, dialer: Org, channels: _Channels
           ) -> Iterator[tuple[Org, Node, Endpoint, str]]:
    for org, node in plan.orderers():
        why = "orderer endpoint" if dialer.kind is NodeKind.PEER else "consenter"
        yield org, node, node.channel_address, why
    if dialer.kind is not NodeKind.PEER:
        return
    shared = channels.of_org.get(dialer.name, frozenset())
    partners = set().union(*(channels.peer_orgs.get(c, frozenset()) for c in shared))
    for i in sorted(partners):  # config order, as before
        org = plan.peer_orgs[i]
        if org is dialer:
            continue
        for host in org.anchor_peers:
            node = org.node(host)
            yield org, node, node.channel_address, "anchor peer"


def _problem(plan: Plan, dialer: Org, org: Org, node: Node, address: Endpoint) -> str | None:
    same_cluster = not org.external and org_cluster(plan, org).name == \
        org_cluster(plan, dialer).name
    if address == node.address and not org.external:
        return None if same_cluster else (
            "a Service name of another cluster does not resolve here; give the target's "
            "cluster an ExternalDomain")
    if node.external is None or address != node.external:
        return "not the target's declared external endpoint"
    if address.host not in node.identity.sans:
        return "the name is not a SAN of the target's TLS certificate"
    return None
