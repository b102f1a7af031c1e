"""Located checks of placement and parties: clusters, each org's ``Cluster``, ``External`` and
``Bundle``, and the external endpoints that cross-cluster dials need."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.gitops.common import output_path_problem
from fabgitops.model import ClusterConfig, Expose, Organization
from fabgitops.placement.clusters import indexed_orgs, spans_clusters
from fabgitops.yamlio import Document

_FROM_BUNDLE = ("EnableNodeOUs", "CA", "Template", "Specs", "Users", "Policies", "AnchorPeers",
                "StateDatabase", "Cluster")
"""Keys an external org must not set: its bundle (or its own party) decides them."""


def check(config: ClusterConfig, doc: Document) -> Iterator[Issue]:
    """Every placement and party problem of a configuration that passed the schema."""
    yield from _clusters(config, doc)
    names = {c.name for c in config.kubernetes.clusters}
    own = 0
    for path, org in indexed_orgs(config):
        if org.external:
            yield from _external(doc, path, org)
            continue
        own += 1
        if org.bundle is not None:
            yield doc.issue((*path, "Bundle"), "Bundle is only read for an org with "
                            "External: true (this party runs the org and holds its keys)")
        if org.cluster is not None and org.cluster not in names:
            known = ", ".join(sorted(names)) or "none; declare it under Kubernetes.Clusters"
            yield doc.issue((*path, "Cluster"), f"unknown cluster {org.cluster!r} (known: "
                            f"{known})")
    if own == 0 and (config.orderer_orgs or config.peer_orgs):
        yield doc.issue(("PeerOrgs",), "every org is External: this party runs no org, so "
                        "there is nothing to compile")
    if all(o.cluster is None or o.cluster in names for _, o in indexed_orgs(config)):
        yield from _reachability(config, doc)


def _clusters(config: ClusterConfig, doc: Document) -> Iterator[Issue]:
    seen: dict[str, int] = {}
    for i, cluster in enumerate(config.kubernetes.clusters):
        path = ("Kubernetes", "Clusters", i)
        if cluster.name in seen:
            yield doc.issue((*path, "Name"), f"cluster {cluster.name!r} is already declared at "
                            f"Kubernetes.Clusters[{seen[cluster.name]}]")
        seen.setdefault(cluster.name, i)
        problem = output_path_problem(cluster.flux_path) if cluster.flux_path else None
        if problem:
            yield doc.issue((*path, "FluxPath"), f"FluxPath {problem}")
        if cluster.server is not None and cluster.destination_name is not None:
            yield doc.issue((*path, "DestinationName"), "set Server or DestinationName, not "
                            "both: an Argo CD destination names its cluster one way")


def _external(doc: Document, path: tuple[str, int], org: Organization) -> Iterator[Issue]:
    if org.bundle is None:
        yield doc.issue((*path, "External"), f"External org {org.name} needs Bundle: the "
                        "path of the file its party wrote with `fabgitops export-org "
                        f"{org.name}`")
    for key in _FROM_BUNDLE:
        if _alias_set(org, key):
            yield doc.issue((*path, key), f"{key} of an External org comes from its bundle "
                            "and its own party; remove it here")


def _alias_set(org: Organization, alias: str) -> bool:
    for name in org.model_fields_set:
        field = type(org).model_fields[name]
        if (field.alias or name) == alias:
            return True
    return False


def _reachability(config: ClusterConfig, doc: Document) -> Iterator[Issue]:
    """When nodes dial across clusters, every cluster that runs orgs needs an external domain
    (the addresses the other clusters and parties dial)."""
    if not spans_clusters(config):
        return
    if not config.kubernetes.clusters:
        yield from _single_cluster_reachability(config, doc)
        return
    used = {o.cluster or config.kubernetes.clusters[0].name
            for _, o in indexed_orgs(config) if not o.external}
    for i, cluster in enumerate(config.kubernetes.clusters):
        if cluster.name in used and cluster.external_domain is None:
            yield doc.issue(("Kubernetes", "Clusters", i, "ExternalDomain"),
                            f"cluster {cluster.name} runs orgs that nodes on other clusters "
                            "dial: set ExternalDomain (their external endpoints' DNS suffix)")


def _single_cluster_reachability(config: ClusterConfig, doc: Document) -> Iterator[Issue]:
    """Without declared clusters, another party's nodes reach ours only through the
    network-wide exposure: Ingress with a domain, or NodePort with a host."""
    kube = config.kubernetes
    reachable = ((kube.expose is Expose.INGRESS and kube.ingress.domain is not None)
                 or (kube.expose is Expose.NODE_PORT and kube.node_port.host is not None))
    if not reachable:
        yield doc.issue(("Kubernetes",), "External orgs dial this party's nodes from their "
                        "own clusters: declare Kubernetes.Clusters with an ExternalDomain, or "
                        "expose the nodes (Expose: Ingress with Ingress.Domain)")
