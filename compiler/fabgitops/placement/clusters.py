"""Which cluster runs an org: the one definition of the default placement."""

from __future__ import annotations

from fabgitops.model import Cluster
from fabgitops.plan import Org, Plan

IN_CLUSTER = Cluster(name="in-cluster")
"""The implicit cluster of a network without ``Kubernetes.Clusters``: the one its Argo CD or
Flux runs in."""


def org_cluster(plan: Plan, org: Org) -> Cluster:
    """The cluster an org runs on: its ``Cluster``, else the first declared one (or the
    implicit single cluster)."""
    clusters = plan.kubernetes.clusters or (IN_CLUSTER,)
    return next((c for c in clusters if c.name == org.cluster), clusters[0])


def plan_spans_clusters(plan: Plan) -> bool:
    """Whether nodes dial across clusters: several clusters in use, or another party's orgs
    (which always run elsewhere). Channel configs then carry external addresses only."""
    used = {org_cluster(plan, o).name for o in plan.orgs if not o.external}
    return len(used) > 1 or any(o.external for o in plan.orgs)
