"""What Argo CD and Flux objects share: the overlays in convergence order, names, paths, URLs.

Both engines sync the same overlays in the same order (``fabgitops.waves``): the kafka namespace
first, then every orderer org, then every peer org. Argo CD expresses the order with sync waves
on the Applications, Flux with ``dependsOn`` between Kustomizations; both read it from here.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import OVERLAYS_DIR
from fabgitops.plan import NodeKind, Plan
from fabgitops.waves import Wave

MAX_LABEL_VALUE = 63
"""Argo CD (tracking label ``app.kubernetes.io/instance``) and Flux (labels
``kustomize.toolkit.fluxcd.io/name``) copy the object's name into a label value on everything
they apply, so the names of Applications and Kustomizations must fit a label value."""


# git's scp-like syntax, ``user@host:path``; a "host" with a slash before the colon is a path.
_SCP_LIKE = re.compile(r"^(?P<user>[^@/:]+@)?(?P<host>[^/:]+):(?P<path>(?!//).+)$")


@dataclass(frozen=True)
class Overlay:
    """One ``overlays/<namespace>/`` directory that an engine object syncs."""

    namespace: str
    wave: Wave
    """Where it sits in the convergence order: KAFKA, ORDERER or PEER."""
    component: str
    """``kafka``, ``orderer-org`` or ``peer-org``: the ``app.kubernetes.io/component`` label,
    to select the objects of one kind of overlay (``argocd app list -l``, ``kubectl get -l``)."""


def overlays(plan: Plan) -> tuple[Overlay, ...]:
    """Every overlay in convergence order: kafka, orderer orgs, peer orgs (config order)."""
    found: list[Overlay] = []
    if plan.kafka is not None:
        found.append(Overlay(plan.kafka.namespace, Wave.KAFKA, "kafka"))
    for org in plan.orgs:
        if org.kind is NodeKind.ORDERER:
            found.append(Overlay(org.namespace, Wave.ORDERER, "orderer-org"))
        else:
            found.append(Overlay(org.namespace, Wave.PEER, "peer-org"))
    return tuple(sorted(found, key=lambda o: o.wave))  # stable: config order within a wave


def prerequisites(all_overlays: tuple[Overlay, ...], overlay: Overlay) -> tuple[Overlay, ...]:
    """The overlays that must be ready before ``overlay``: the nearest earlier non-empty wave.

    Depending on the previous wave only (not every earlier one) keeps each object's list short;
    readiness is transitive, since that wave itself waited for the one before.
    """
    earlier = [o.wave for o in all_overlays if o.wave < overlay.wave]
    if not earlier:
        return ()
    previous = max(earlier)
    return tuple(o for o in all_overlays if o.wave == previous)


def object_name(network: str, namespace: str) -> str:
    """Name of the Application or Kustomization that syncs one overlay: ``<network>-<ns>``.

    Names longer than a label value are cut and suffixed with a hash of the full name, so they
    stay unique and stable across compiles.
    """
    name = f"{network}-{namespace}"
    if len(name) <= MAX_LABEL_VALUE:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_LABEL_VALUE - 9].rstrip('-')}-{digest}"


def output_path_problem(path: str) -> str | None:
    """Why ``GitOps.Path`` cannot locate the output inside the repository, or None if it can.

    The validator can report this at the key's position; :func:`repo_path` relies on it.
    """
    if path.startswith("/") or "\\" in path:
        return f"{path!r} must be a relative POSIX path inside the repository"
    if ".." in path.split("/"):
        return f"{path!r} must not contain '..': it must stay inside the repository"
    return None


def repo_path(output_dir: str, *parts: str) -> str:
    """A directory of the output as a path from the repository root, without ``./``.

    Raises:
        ValueError: ``output_dir`` escapes the repository (validation rejects that first).
    """
    problem = output_path_problem(output_dir)
    if problem:
        raise ValueError(f"GitOps.Path {problem}")
    joined = posixpath.normpath(posixpath.join(output_dir or ".", *parts))
    return "" if joined == "." else joined


def overlay_path(plan: Plan, overlay: Overlay) -> str:
    """Repository path of an overlay, honouring ``GitOps.Path``."""
    return repo_path(plan.git_ops.path, OVERLAYS_DIR, overlay.namespace)


def clean_repo_url(url: str) -> str:
    """The repository URL without credentials, which must never reach a committed file.

    A git remote may carry a token (``https://x-access-token:...@host/repo``); both engines get
    their credentials from their own Secrets instead.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and ("@" in parts.netloc):
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    if parts.scheme == "ssh" and parts.password is not None:
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[1]
        return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, "", ""))
    return url


def flux_repo_url(url: str) -> str:
    """The URL in the form source-controller accepts (CRD pattern ``^(http|https|ssh)://``).

    git's scp-like ``git@host:org/repo.git`` becomes ``ssh://git@host/org/repo.git``, the
    form Flux documents for SSH.

    Raises:
        EnvironmentProblem: no such form exists (a local path, ``file://``, ``git://``).
    """
    url = clean_repo_url(url)
    if re.match(r"^(https?|ssh)://[^/]+", url):
        return url
    scp = _scp_parts(url)
    if scp is not None:
        user, host, path = scp
        return f"ssh://{user}{host}/{path.lstrip('/')}"
    raise EnvironmentProblem(
        f"the repository URL {url!r} cannot be used by Flux: it needs an http(s):// or ssh:// "
        "URL that the cluster can reach; set GitOps.RepoURL"
    )


def _scp_parts(url: str) -> tuple[str, str, str] | None:
    """``(user@, host, path)`` of git's scp-like syntax; None for URLs and local paths.

    git reads ``host:path`` as scp-like only when no slash comes before the colon; a one-letter
    "host" is a Windows drive (``C:/repo``), which git treats as a local path.
    """
    if "://" in url:
        return None
    match = _SCP_LIKE.match(url)
    if match is None or len(match["host"]) < 2:
        return None
    return match["user"] or "", match["host"], match["path"]


def is_ssh(url: str) -> bool:
    """Whether the engine will fetch over SSH, which always needs a key Secret."""
    return url.startswith("ssh://") or _scp_parts(url) is not None


def engine_labels(plan: Plan, component: str | None = None) -> dict[str, str]:
    """Labels of the Argo CD and Flux objects (``component``: the kind of overlay synced)."""
    labels = {"app.kubernetes.io/managed-by": "fabgitops",
              "app.kubernetes.io/part-of": plan.network_name}
    if component:
        labels["app.kubernetes.io/component"] = component
    return labels
