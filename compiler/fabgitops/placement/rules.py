"""Located checks of placement and parties over the plan: clusters, each org's ``Cluster``,
``External`` and ``Bundle``, and the external endpoints that cross-cluster dials need."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.gitops.common import output_path_problem
from fabgitops.model import Expose
from fabgitops.placement.clusters import org_cluster, plan_spans_clusters
from fabgitops.plan import Org
from fabgitops.rules.context import RuleContext

_FROM_BUNDLE = ("EnableNodeOUs", "CA", "Template", "Specs", "Users", "Policies", "AnchorPeers",
                "StateDatabase", "Cluster")
"""Keys an external org must not set: its bundle (or its own party) decides them."""


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Every placement and party problem of the plan."""
    plan = ctx.plan
    yield from _clusters(ctx)
    names = {c.name for c in plan.kubernetes.clusters}
    own = 0
    for org in plan.orgs:
        if org.external:
            yield from _external(ctx, org)
            continue
        own += 1
        if org.bundle is not None:
            yield ctx.error(org.source.at("Bundle"), "Bundle is only read for an org with "
                            "External: true (this party runs the org and holds its keys)")
        if org.cluster is not None and org.cluster not in names:
            known = ", ".join(sorted(names)) or "none; declare it under Kubernetes.Clusters"
            yield ctx.error(org.source.at("Cluster"), f"unknown cluster {org.cluster!r} (known: "
                            f"{known})")
    if own == 0 and plan.orgs:
        yield ctx.error(("PeerOrgs",), "every org is External: this party runs no org, so "
                        "there is nothing to compile")
    if all(o.cluster is None or o.cluster in names for o in plan.orgs):
        yield from _reachability(ctx)


def _clusters(ctx: RuleContext) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for i, cluster in enumerate(ctx.plan.kubernetes.clusters):
        path = ("Kubernetes", "Clusters", i)
        if cluster.name in seen:
            yield ctx.error((*path, "Name"), f"cluster {cluster.name!r} is already declared at "
                            f"Kubernetes.Clusters[{seen[cluster.name]}]")
        seen.setdefault(cluster.name, i)
        problem = output_path_problem(cluster.flux_path) if cluster.flux_path else None
        if problem:
            yield ctx.error((*path, "FluxPath"), f"FluxPath {problem}")
        if cluster.server is not None and cluster.destination_name is not None:
            yield ctx.error((*path, "DestinationName"), "set Server or DestinationName, not "
                            "both: an Argo CD destination names its cluster one way")


def _external(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    if org.bundle is None:
        yield ctx.error(org.source.at("External"), f"External org {org.name} needs Bundle: the "
                        "path of the file its party wrote with `fabgitops export-org "
                        f"{org.name}`")
    for key in _FROM_BUNDLE:
        # Written in the file (the document records a position for every key it holds).
        if org.source.at(key) in ctx.doc.positions:
            yield ctx.error(org.source.at(key), f"{key} of an External org comes from its "
                            "bundle and its own party; remove it here")


def _reachability(ctx: RuleContext) -> Iterator[Issue]:
    """When nodes dial across clusters, every cluster that runs orgs needs an external domain
    (the addresses the other clusters and parties dial)."""
    plan = ctx.plan
    if not plan_spans_clusters(plan):
        return
    if not plan.kubernetes.clusters:
        yield from _single_cluster_reachability(ctx)
        return
    used = {org_cluster(plan, o).name for o in plan.orgs if not o.external}
    for i, cluster in enumerate(plan.kubernetes.clusters):
        if cluster.name in used and cluster.external_domain is None:
            yield ctx.error(("Kubernetes", "Clusters", i, "ExternalDomain"),
                            f"cluster {cluster.name} runs orgs that nodes on other clusters "
                            "dial: set ExternalDomain (their external endpoints' DNS suffix)")


def _single_cluster_reachability(ctx: RuleContext) -> Iterator[Issue]:
    """Without declared clusters, another party's nodes reach ours only through the
    network-wide exposure: Ingress with a domain, or NodePort with a host."""
    kube = ctx.plan.kubernetes
    reachable = ((kube.expose is Expose.INGRESS and kube.ingress.domain is not None)
                 or (kube.expose is Expose.NODE_PORT and kube.node_port.host is not None))
    if not reachable:
        yield ctx.error(("Kubernetes",), "External orgs dial this party's nodes from their "
                        "own clusters: declare Kubernetes.Clusters with an ExternalDomain, or "
                        "expose the nodes (Expose: Ingress with Ingress.Domain)")
