"""Exposure: NodePorts inside the range and collision-free, Ingress with a domain."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.model import Expose, Organization
from fabgitops.naming import TemplateError, template_spec
from fabgitops.plan import NodeKind, NodePortBand
from fabgitops.rules.context import Context
from fabgitops.rules.names import org_entries
from fabgitops.yamlio import Path

# The article gives orderer N the NodePort 23700+N, below Kubernetes' default range.
ARTICLE_ORDERER_BASE = 23700


def check(ctx: Context) -> Iterator[Issue]:
    """Run the exposure rules."""
    kube = ctx.config.kubernetes
    if kube.expose is Expose.INGRESS and not kube.ingress.domain:
        yield ctx.error(("Kubernetes", "Ingress", "Domain"), "Expose: Ingress needs "
                        "Ingress.Domain, the parent domain of every node's external host name")
    if kube.expose is Expose.NODE_PORT:
        if not kube.node_port.host:
            yield ctx.warning(("Kubernetes", "NodePort", "Host"), "without Host, nodes get "
                              "NodePorts but advertise in-cluster names that outside clients "
                              "cannot resolve; set the address of a cluster node or its DNS name")
        yield from _node_ports(ctx)


def _range(ctx: Context) -> tuple[int, int] | None:
    low, high = (int(p) for p in ctx.config.kubernetes.node_port.range.split("-"))
    return (low, high) if low <= high <= 65535 else None


def _node_ports(ctx: Context) -> Iterator[Issue]:
    scheme = ctx.config.kubernetes.node_port
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


def _assignments(ctx: Context) -> Iterator[tuple[int, str, Path]]:
    """Every NodePort of the scheme with a readable owner, in config order."""
    scheme = ctx.config.kubernetes.node_port
    numbers = {"orderer": 0, "peer": 0}
    for path, org, prefix in org_entries(ctx):
        numbers[prefix] += 1
        band = NodePortBand(scheme, NodeKind(prefix), numbers[prefix])
        ns = org.domain
        yield band.start, f"the CA of {ns}", (*path, "CA")
        nodes = [(s.hostname or f"Specs[{i}]", (*path, "Specs", i))
                 for i, s in enumerate(org.specs)]
        nodes += [(_template_host(org, prefix, i), (*path, "Template"))
                  for i in range(org.template.count)]
        for ordinal, (host, where) in enumerate(nodes):
            for container_port, port in band.node_ports(ordinal).items():
                yield port, f"{host}.{ns} (port {container_port})", where


def _template_host(org: Organization, prefix: str, i: int) -> str:
    """The host name cryptogen gives a template node; a broken template (reported by the
    naming rules) falls back to its position."""
    try:
        return template_spec(org, prefix, i).hostname or f"Template[{i}]"
    except TemplateError:
        return f"Template[{i}]"
