"""Which cluster runs an org: the one definition of the default placement."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.model import Cluster, ClusterConfig, Organization
from fabgitops.plan import Org, Plan

IN_CLUSTER = Cluster(name="in-cluster")
"""The implicit cluster of a network without ``Kubernetes.Clusters``: the one its Argo CD or
Flux runs in."""


def indexed_orgs(config: ClusterConfig) -> Iterator[tuple[tuple[str, int], Organization]]:
    """Every org of the configuration with its YAML path (``("PeerOrgs", 2)``)."""
    for i, org in enumerate(config.orderer_orgs):
        yield ("OrdererOrgs", i), org
    for i, peer in enumerate(config.peer_orgs):
        yield ("PeerOrgs", i), peer


def declared(config: ClusterConfig) -> tuple[Cluster, ...]:
    """The declared clusters, or the implicit single one."""
    return config.kubernetes.clusters or (IN_CLUSTER,)


def cluster_of(config: ClusterConfig, org: Organization) -> Cluster:
    """The cluster an org runs on: its ``Cluster``, else the first declared one.

    Raises:
        KeyError: the org names an undeclared cluster (``validate`` reports it first).
    """
    clusters = declared(config)
    if org.cluster is None:
        return clusters[0]
    for cluster in clusters:
        if cluster.name == org.cluster:
            return cluster
    raise KeyError(f"org {org.name} names the undeclared cluster {org.cluster!r}")


def multi_party(config: ClusterConfig) -> bool:
    """Whether some org is run by another party (``External: true``)."""
    return any(org.external for _, org in indexed_orgs(config))


def spans_clusters(config: ClusterConfig) -> bool:
    """Whether nodes dial across clusters: several clusters in use, or another party's orgs
    (which always run elsewhere). Channel configs then carry external addresses only."""
    used = {cluster_of(config, org).name for _, org in indexed_orgs(config) if not org.external}
    return len(used) > 1 or multi_party(config)


def org_cluster(plan: Plan, org: Org) -> Cluster:
    """The cluster a planned org runs on (as :func:`cluster_of`)."""
    clusters = plan.kubernetes.clusters or (IN_CLUSTER,)
    return next((c for c in clusters if c.name == org.cluster), clusters[0])


def plan_spans_clusters(plan: Plan) -> bool:
    """:func:`spans_clusters` of a plan."""
    used = {org_cluster(plan, o).name for o in plan.orgs if not o.external}
    return len(used) > 1 or any(o.external for o in plan.orgs)
