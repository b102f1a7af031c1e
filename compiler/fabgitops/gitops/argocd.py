"""Argo CD objects: one AppProject and one Application per overlay, under ``clusters/<net>/argocd``.

Why explicit Applications rather than an ApplicationSet: each overlay needs its own sync wave
(kafka, orderer orgs, peer orgs) and destination namespace; an ApplicationSet would template
them from generator elements anyway, its generated Applications are not ordered by sync waves
(ordering them needs the RollingSync strategy behind a feature flag), and one file per overlay
keeps the review diff of a new org to one added file.

Choices, with the reason each one is here:

- ``ServerSideApply=true``: a genesis-block ConfigMap can exceed the 262144-byte annotation
  limit of client-side apply's ``last-applied-configuration``.
- ``argocd.argoproj.io/compare-options: ServerSideDiff=true``: with server-side apply Argo CD
  otherwise diffs with its structured-merge simulation, which Argo CD's docs mark as
  discontinued and which reports a permanent diff on StatefulSet ``volumeClaimTemplates``
  (argoproj/argo-cd#11143: the API server adds ``apiVersion``/``kind`` to each template).
  Server-side diff asks the API server (dry-run apply), so server defaults never show as drift.
  It is stable since Argo CD 3.1 and ignored by versions before 2.10.
- No ``ignoreDifferences``: with server-side diff nothing that controllers set shows as a diff.
  ``status`` is ignored by default for every kind (``resource.compareoptions``
  ``ignoreResourceStatusField: all``), which covers the SealedSecret status the controller
  writes; Services' cluster IPs, Jobs' generated selectors and Namespaces' finalizers are
  fields the manifests never set. An entry here would hide real drift.
- ``CreateNamespace=false``: every overlay carries its own Namespace object.
- ``PruneLast=true``: a renamed ConfigMap (content-hash suffix) is deleted only after the
  workloads that used it were updated.
- Retry 10 times, 10s doubling up to 3m (about 20 minutes): enough for the Sealed Secrets
  controller or a CRD to arrive during bootstrap. Unbounded retries would pin a failing sync to
  its revision (``retry.refresh`` is too recent to rely on) and block the fixing commit.
- Finalizer ``resources-finalizer.argocd.argoproj.io``: deleting an Application (an org
  removed from the config) deletes what it deployed.
"""

from __future__ import annotations

from fabgitops.gitops import common
from fabgitops.gitops.common import Overlay
from fabgitops.kustomize import kustomization
from fabgitops.layout import CLUSTERS_DIR
from fabgitops.plan import Plan
from fabgitops.tree import FileTree, manifest_file
from fabgitops.waves import ANNOTATION, Wave

API_VERSION = "argoproj.io/v1alpha1"
NAMESPACE = "argocd"
"""Namespace of the Argo CD installation, where Applications and AppProjects must live."""
IN_CLUSTER = "https://kubernetes.default.svc"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
COMPARE_OPTIONS = "argocd.argoproj.io/compare-options"
SYNC_OPTIONS = ("CreateNamespace=false", "PruneLast=true", "ServerSideApply=true")
RETRY = {"limit": 10, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}}
PROJECT_WAVE = Wave.NAMESPACE
"""The AppProject must exist before the Applications that name it."""

CLUSTER_KINDS = (("", "Namespace"),)
NAMESPACED_KINDS = (
    ("", "ConfigMap"),
    ("", "PersistentVolumeClaim"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("batch", "Job"),
    ("bitnami.com", "SealedSecret"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
)
"""What the bases and overlays create (docs/design.md: workloads, Services, sealed or SOPS Secrets,
ConfigMaps of public material and blocks, channel Jobs, NetworkPolicies, Ingresses,
PodDisruptionBudgets). A kind
missing here fails the sync with "not permitted in project": keep it in step with the bases."""


def app_project(plan: Plan, repo_url: str) -> dict[str, object]:
    """The project that confines every Application to the network's namespaces."""
    return {
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {
            "name": plan.network_name,
            "namespace": NAMESPACE,
            "labels": common.engine_labels(plan),
            "annotations": {ANNOTATION: str(int(PROJECT_WAVE))},
        },
        "spec": {
            "description": f"Hyperledger Fabric network {plan.network_name} (fabgitops)",
            "sourceRepos": [repo_url],
            "destinations": [{"server": IN_CLUSTER, "namespace": o.namespace}
                             for o in common.overlays(plan)],
            "clusterResourceWhitelist": [{"group": g, "kind": k} for g, k in CLUSTER_KINDS],
            "namespaceResourceWhitelist": [{"group": g, "kind": k} for g, k in NAMESPACED_KINDS],
        },
    }


def application(plan: Plan, overlay: Overlay, repo_url: str) -> dict[str, object]:
    """The Application that syncs one overlay, at its convergence wave."""
    return {
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": {
            "name": common.object_name(plan.network_name, overlay.namespace),
            "namespace": NAMESPACE,
            "labels": common.engine_labels(plan, overlay.component),
            "annotations": {ANNOTATION: str(int(overlay.wave)),
                            COMPARE_OPTIONS: "ServerSideDiff=true"},
            "finalizers": [FINALIZER],
        },
        "spec": {
            "project": plan.network_name,
            "source": {
                "repoURL": repo_url,
                "targetRevision": plan.git_ops.branch,
                "path": common.overlay_path(plan, overlay),
            },
            "destination": {"server": IN_CLUSTER, "namespace": overlay.namespace},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": list(SYNC_OPTIONS),
                "retry": RETRY,
            },
        },
    }


def _usage(plan: Plan) -> str:
    entry = common.repo_path(plan.git_ops.path, CLUSTERS_DIR, plan.network_name,
                             "argocd")
    return f"""\
Argo CD objects of the Fabric network {plan.network_name}: the AppProject {plan.network_name} and
one Application per overlay, in namespace {NAMESPACE}. Sync waves: kafka {int(Wave.KAFKA)}, orderer
orgs {int(Wave.ORDERER)}, peer orgs {int(Wave.PEER)}.

Bootstrap once with `kubectl apply -k {entry}`, or (recommended) create an Application
in project "default" with source.path {entry} and destination namespace {NAMESPACE}
(app of apps), so that Argo CD also tracks this directory.

The waves order the Applications only under such a parent Application, and only if argocd-cm
restores the Application health check that Argo CD 1.8 removed from its defaults
(resource.customizations.health.argoproj.io_Application, see "Argocd App" in the operator
manual's health checks page). Without it the Applications sync in parallel and converge by
retrying. A private repository needs its credentials registered in Argo CD (argocd repo add)."""


def files(plan: Plan, repo_url: str) -> FileTree:
    """``clusters/<network>/argocd/``: kustomization.yaml, the AppProject, the Applications."""
    url = common.clean_repo_url(repo_url)
    base = f"{CLUSTERS_DIR}/{plan.network_name}/argocd"
    out: FileTree = {f"{base}/appproject.yaml": manifest_file(app_project(plan, url))}
    for overlay in common.overlays(plan):
        out[f"{base}/application-{overlay.namespace}.yaml"] = manifest_file(
            application(plan, overlay, url))
    resources = [path.rsplit("/", 1)[1] for path in out]
    out[f"{base}/kustomization.yaml"] = manifest_file(kustomization(resources),
                                                         comment=_usage(plan))
    return dict(sorted(out.items()))
