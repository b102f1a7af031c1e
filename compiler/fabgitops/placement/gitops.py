"""GitOps objects of a network spread over clusters (``Kubernetes.Clusters``).

- Argo CD runs once (in its own cluster) and deploys everywhere: ``clusters/<network>/argocd``
  as without clusters, but each Application's destination is its org's cluster (``Server`` or
  ``DestinationName``) and the AppProject admits exactly those destinations.
- Flux runs in every cluster: ``clusters/<cluster>/flux`` (or the cluster's ``FluxPath``)
  holds a GitRepository and the Kustomizations of that cluster's orgs only, ordered by
  ``dependsOn`` among them. Across clusters nothing can wait for anything: the join Jobs retry
  until the other cluster's orderers answer.

Without clusters the engine objects are exactly ``gitops.engine_files``'.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from fabgitops import gitops
from fabgitops.gitops import argocd, common, flux
from fabgitops.kustomize import kustomization
from fabgitops.layout import CLUSTERS_DIR
from fabgitops.model import Cluster, GitOpsEngine
from fabgitops.placement.clusters import org_cluster
from fabgitops.plan import NodeKind, Plan
from fabgitops.tree import FileTree, manifest_file


def flux_dir(cluster: Cluster) -> str:
    """The cluster's Flux entry point inside the output: ``clusters/<cluster>/flux``."""
    return posixpath.normpath(cluster.flux_path or f"{CLUSTERS_DIR}/{cluster.name}/flux")


def engine_files(plan: Plan, *, repo_url: str) -> FileTree:
    """The engine objects of ``plan`` (this party's orgs), per cluster when there are several.

    Raises:
        EnvironmentProblem: Flux cannot fetch from ``repo_url``.
    """
    if not plan.kubernetes.clusters:
        return gitops.engine_files(plan, repo_url=repo_url)
    if plan.git_ops.engine is GitOpsEngine.ARGOCD:
        return _argocd(plan, repo_url)
    if plan.git_ops.engine is GitOpsEngine.FLUX:
        return _flux(plan, repo_url)
    return {}


def _destination(cluster: Cluster, namespace: str) -> dict[str, str]:
    if cluster.destination_name is not None:
        return {"name": cluster.destination_name, "namespace": namespace}
    return {"server": cluster.server or argocd.IN_CLUSTER, "namespace": namespace}


def _argocd(plan: Plan, repo_url: str) -> FileTree:
    url = common.clean_repo_url(repo_url)
    clusters = {o.namespace: org_cluster(plan, o) for o in plan.orgs}
    base = f"{CLUSTERS_DIR}/{plan.network_name}/argocd"
    project = argocd.app_project(plan, url)
    spec = project["spec"]
    assert isinstance(spec, dict)
    spec["destinations"] = [_destination(clusters[o.namespace], o.namespace)
                            for o in common.overlays(plan)]
    out: FileTree = {f"{base}/appproject.yaml": manifest_file(project)}
    for overlay in common.overlays(plan):
        app = argocd.application(plan, overlay, url)
        app_spec = app["spec"]
        assert isinstance(app_spec, dict)
        app_spec["destination"] = _destination(clusters[overlay.namespace], overlay.namespace)
        out[f"{base}/application-{overlay.namespace}.yaml"] = manifest_file(app)
    resources = [path.rsplit("/", 1)[1] for path in out]
    usage = (f"Argo CD objects of the Fabric network {plan.network_name} across clusters "
             f"{', '.join(c.name for c in plan.kubernetes.clusters)}: one Application per "
             "overlay, each with its org's cluster as destination (register every cluster "
             "with `argocd cluster add` first).\nBootstrap once with `kubectl apply -k "
             f"{common.repo_path(plan.git_ops.path, base)}` in Argo CD's cluster.")
    out[f"{base}/kustomization.yaml"] = manifest_file(kustomization(resources),
                                                      comment=usage)
    return dict(sorted(out.items()))


def _flux(plan: Plan, repo_url: str) -> FileTree:
    out: FileTree = {}
    default = f"{CLUSTERS_DIR}/{plan.network_name}/flux"
    for cluster in plan.kubernetes.clusters:
        orgs = [o for o in plan.orgs if org_cluster(plan, o).name == cluster.name]
        if not orgs:
            continue
        # By kind, not ``o in plan.orderer_orgs``: comparing whole orgs, for each org, was
        # quadratic in the orgs.
        sub = replace(plan, orderer_orgs=tuple(o for o in orgs if o.kind is NodeKind.ORDERER),
                      peer_orgs=tuple(o for o in orgs if o.kind is NodeKind.PEER))
        target = flux_dir(cluster)
        old_entry = common.repo_path(plan.git_ops.path, default)
        new_entry = common.repo_path(plan.git_ops.path, target)
        for path, content in flux.files(sub, repo_url).items():
            # The usage comment names the entry point: name the cluster's.
            text = content.replace(old_entry.encode(), new_entry.encode())
            out[target + path[len(default):]] = text
    return dict(sorted(out.items()))
