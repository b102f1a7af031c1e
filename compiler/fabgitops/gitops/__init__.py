"""The GitOps engine objects: what makes Argo CD or Flux sync the compiled overlays.

``engine_files`` is pure: the caller resolves the repository URL (``GitOps.RepoURL``, else the
output repository's git remote) and, when there is none, warns and writes no engine files.
"""

from __future__ import annotations

from fabgitops.gitops.common import (
    Overlay,
    clean_repo_url,
    flux_repo_url,
    object_name,
    output_path_problem,
    overlays,
)
from fabgitops.model import GitOpsEngine
from fabgitops.plan import Plan
from fabgitops.tree import FileTree

__all__ = [
    "Overlay",
    "clean_repo_url",
    "engine_files",
    "flux_repo_url",
    "object_name",
    "output_path_problem",
    "overlays",
]


def engine_files(plan: Plan, *, repo_url: str) -> FileTree:
    """The files of ``GitOps.Engine`` under ``clusters/<network>/``; none for ``Engine: none``.

    Args:
        plan: the network.
        repo_url: the URL the cluster fetches the output repository from. Credentials in it
            are dropped (engines take them from their own Secrets); git's scp-like form is
            rewritten to ``ssh://`` for Flux.

    Raises:
        EnvironmentProblem: Flux cannot fetch from ``repo_url`` (a local path, ``file://``).
    """
    # The engines' modules load here: validate needs only ``common`` (output path rules).
    from fabgitops.gitops import argocd, flux

    engine = plan.git_ops.engine
    if engine is GitOpsEngine.ARGOCD:
        return argocd.files(plan, repo_url)
    if engine is GitOpsEngine.FLUX:
        return flux.files(plan, repo_url)
    return {}
