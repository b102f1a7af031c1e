"""Exposure: NodePorts inside the range and collision-free, Ingress with a domain."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.model import Expose
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path

# The article gives orderer N the NodePort 23700+N, below Kubernetes' default range.
ARTICLE_ORDERER_BASE = 23700


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the exposure rules."""
    kube = ctx.plan.kubernetes
    if kube.expose is Expose.INGRESS and not kube.ingress.domain:
        yield ctx.error(("Kubernetes", "Ingress", "Domain"), "Expose: Ingress needs "
                        "Ingress.Domain, the parent domain of every node's external host name")
    if kube.expose is Expose.NODE_PORT:
        if not kube.node_port.host:
            yield ctx.warning(("Kubernetes", "NodePort", "Host"), "without Host, nodes get "
                              "NodePorts but advertise in-cluster names that outside clients "
                              "cannot resolve; set the address of a cluster node or its DNS name")
        yield from _node_ports(ctx)


def _range(ctx: RuleContext) -> tuple[int, int] | None:
    low, high = (int(p) for p in ctx.plan.kubernetes.node_port.range.split("-"))
    return (low, high) if low <= high <= 65535 else None


def _node_ports(ctx: RuleContext) -> Iterator[Issue]:
    scheme = ctx.plan.kubernetes.node_port
    bounds = _range(ctx)
    if bounds is None:
        yield ctx.error(("Kubernetes", "NodePort", "Range"), f"{scheme.range!r} is not a range "
                        "'LOW-HIGH' of ports with LOW <= HIGH <= 65535")
        return
    low, high = bounds
    owners: dict[int, str] = {}
    for port, owner, path in _assignments(ctx):
        if not low <= port <= high:
            hint = ""
            if ARTICLE_ORDERER_BASE <= port < low:
                hint = (" (the article's orderer ports 23700+N are below Kubernetes' default "
                        "NodePort range 30000-32767, and the API server rejects them)")
            yield ctx.error(path, f"NodePort {port} of {owner} is outside the NodePort range "
                            f"{low}-{high}{hint}")
        elif port in owners:
            yield ctx.error(path, f"NodePort {port} of {owner} is also used by {owners[port]}")
        owners.setdefault(port, owner)


def _assignments(ctx: RuleContext) -> Iterator[tuple[int, str, Path]]:
    """Every NodePort the plan assigns, with a readable owner, in config order."""
    for org in ctx.plan.orgs:
        if org.ca.node_port is not None:
            yield org.ca.node_port, f"the CA of {org.domain}", org.ca.source.path
        for node in org.nodes:
            for container_port, port in node.node_ports.items():
                yield port, f"{node.hostname}.{org.domain} (port {container_port})", \
                    node.source.path
