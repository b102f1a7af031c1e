"""Flux objects: one GitRepository and one Kustomization per overlay, under ``clusters/<net>/flux``.

Choices, with the reason each one is here:

- ``ref.branch`` always written: source-controller's default branch is ``master``.
- ``dependsOn`` in convergence order (kafka, orderer orgs, peer orgs): a Kustomization starts
  only once the previous wave is Ready, and ``wait: true`` makes Ready mean every applied
  object is healthy (``wait`` supersedes ``healthChecks``), so orderers start against a
  running Kafka and peers against running orderers.
- ``timeout: 10m``: the health wait covers first image pulls of the Fabric images.
- ``retryInterval: 1m`` with ``interval: 10m``: a failed apply (a CRD not installed yet during
  bootstrap) is retried quickly, a healthy one re-checked for drift every ten minutes.
- No ``targetNamespace``: the overlays already set the namespace of everything they contain.
- Secrets mode ``sops``: ``decryption`` with the Secret ``sops-age`` in flux-system, which holds
  the age identity under a key ending in ``.agekey``; kustomize-controller decrypts after
  ``kustomize build``. Without it a SOPS-encrypted Secret fails the reconcile.
- SSH URLs: ``secretRef`` to ``<network>-git-credentials``, since SSH always needs a key.
  Flux applies server-side already, so genesis-block ConfigMaps need nothing special.
"""

from __future__ import annotations

from collections.abc import Sequence

from fabgitops.gitops import common
from fabgitops.gitops.common import Overlay
from fabgitops.kustomize import kustomization
from fabgitops.layout import CLUSTERS_DIR
from fabgitops.model import SecretsMode
from fabgitops.plan import Plan
from fabgitops.tree import FileTree, manifest_file

NAMESPACE = "flux-system"
SOURCE_API = "source.toolkit.fluxcd.io/v1"
FLUX_KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/v1"
"""Flux's Kustomization object, which applies a directory (not Kustomize's file)."""
SOPS_SECRET = "sops-age"
SOURCE_INTERVAL = "1m"
INTERVAL = "10m"
RETRY_INTERVAL = "1m"
TIMEOUT = "10m"


def credentials_secret(plan: Plan) -> str:
    """Name of the Secret with the SSH key that source-controller uses."""
    return f"{plan.network_name}-git-credentials"


def git_repository(plan: Plan, repo_url: str) -> dict[str, object]:
    """The source every Kustomization of the network builds from."""
    url = common.flux_repo_url(repo_url)
    spec: dict[str, object] = {
        "interval": SOURCE_INTERVAL,
        "url": url,
        "ref": {"branch": plan.git_ops.branch},
    }
    if common.is_ssh(url):
        spec["secretRef"] = {"name": credentials_secret(plan)}
    return {
        "apiVersion": SOURCE_API,
        "kind": "GitRepository",
        "metadata": {"name": plan.network_name, "namespace": NAMESPACE,
                     "labels": common.engine_labels(plan)},
        "spec": spec,
    }


def flux_kustomization(plan: Plan, overlay: Overlay, needs: Sequence[Overlay]
                       ) -> dict[str, object]:
    """The Kustomization that applies one overlay after ``needs`` (the previous wave's
    overlays, ``common.prerequisites``) are Ready."""
    spec: dict[str, object] = {
        "interval": INTERVAL,
        "retryInterval": RETRY_INTERVAL,
        "timeout": TIMEOUT,
        "path": "./" + common.overlay_path(plan, overlay),
        "prune": True,
        "wait": True,
        "sourceRef": {"kind": "GitRepository", "name": plan.network_name},
    }
    if needs:
        spec["dependsOn"] = [{"name": common.object_name(plan.network_name, o.namespace)}
                             for o in needs]
    if plan.secrets.mode is SecretsMode.SOPS:
        spec["decryption"] = {"provider": "sops", "secretRef": {"name": SOPS_SECRET}}
    return {
        "apiVersion": FLUX_KUSTOMIZATION_API,
        "kind": "Kustomization",
        "metadata": {
            "name": common.object_name(plan.network_name, overlay.namespace),
            "namespace": NAMESPACE,
            "labels": common.engine_labels(plan, overlay.component),
        },
        "spec": spec,
    }


def _usage(plan: Plan, url: str) -> str:
    entry = common.repo_path(plan.git_ops.path, CLUSTERS_DIR, plan.network_name,
                             "flux")
    text = f"""\
Flux objects of the Fabric network {plan.network_name}: the GitRepository {plan.network_name} and
one Kustomization per overlay, in namespace {NAMESPACE}, ordered by dependsOn: kafka, then
orderer orgs, then peer orgs.

Bootstrap once with `kubectl apply -k {entry}`, or let your Flux fleet apply it
(a Kustomization with path ./{entry})."""
    if common.is_ssh(url):
        text += f"""
SSH needs the key Secret, created once with
  flux create secret git {credentials_secret(plan)} --namespace={NAMESPACE} --url={url}"""
    else:
        text += """
A private repository needs spec.secretRef on the GitRepository: include this directory in your
own kustomization.yaml and add it there with a patch."""
    if plan.secrets.mode is SecretsMode.SOPS:
        text += f"""
SOPS needs the decryption Secret, created once with
  kubectl -n {NAMESPACE} create secret generic {SOPS_SECRET} \\
    --from-file=identity.agekey=<age identity file>"""
    return text


def files(plan: Plan, repo_url: str) -> FileTree:
    """``clusters/<network>/flux/``: kustomization.yaml, the GitRepository, the Kustomizations."""
    base = f"{CLUSTERS_DIR}/{plan.network_name}/flux"
    repository = git_repository(plan, repo_url)
    out: FileTree = {f"{base}/gitrepository.yaml": manifest_file(repository)}
    ordered = common.overlays(plan)
    # Prerequisites depend on the wave only: once per wave, not a scan of every overlay for
    # each overlay (quadratic in the orgs).
    last_of_wave = {o.wave: o for o in ordered}
    needs = {wave: common.prerequisites(ordered, o) for wave, o in last_of_wave.items()}
    for overlay in ordered:
        out[f"{base}/kustomization-{overlay.namespace}.yaml"] = manifest_file(
            flux_kustomization(plan, overlay, needs[overlay.wave]))
    resources = [path.rsplit("/", 1)[1] for path in out]
    url = common.flux_repo_url(repo_url)
    out[f"{base}/kustomization.yaml"] = manifest_file(kustomization(resources),
                                                         comment=_usage(plan, url))
    return dict(sorted(out.items()))
