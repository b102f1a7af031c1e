"""Our objects carry what the Argo CD and Flux CRDs require.

``crd_schemas/*.json`` are compact JSON Schemas derived from the CRDs (each names its source
file and commit in ``$comment``): required fields, types, enums and patterns of the fields we
write, and every field name the CRD defines, so that a misspelt field fails here instead of
being pruned by the API server or rejected by server-side apply's strict field validation.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fabgitops.gitops import engine_files
from fabgitops.plan import Plan

from .helpers import REPO_URL, documents, kafka_flux_plan, plan_of, sops_flux_plan

SCHEMAS = Path(__file__).parent / "crd_schemas"
KINDS = {
    ("argoproj.io/v1alpha1", "Application"): "argocd-application.json",
    ("argoproj.io/v1alpha1", "AppProject"): "argocd-appproject.json",
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "flux-kustomization.json",
    ("source.toolkit.fluxcd.io/v1", "GitRepository"): "flux-gitrepository.json",
}
# Kubernetes object names of these CRs: DNS-1123 subdomains; ours must also fit a label value,
# since Argo CD and Flux copy the name into a label on everything they apply.
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@cache
def schema(file: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / file).read_text(encoding="utf-8"))
    return loaded


def all_objects(plan: Plan, repo_url: str = REPO_URL) -> list[dict[str, Any]]:
    files = engine_files(plan, repo_url=repo_url)
    return [o for kind in ("Application", "AppProject", "Kustomization", "GitRepository")
            for o in documents(files, kind)]


PLANS: dict[str, Callable[[], Plan]] = {
    "article-argocd": lambda: plan_of(),
    "path-argocd": lambda: plan_of(GitOps={"Path": "deploy"}),
    "kafka-flux-ssh": lambda: kafka_flux_plan(),
    "sops-flux": sops_flux_plan,
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_objects_match_their_crd(name: str) -> None:
    url = "git@github.com:acme/fabric.git" if "ssh" in name else REPO_URL
    objects = all_objects(PLANS[name](), url)
    assert objects
    for obj in objects:
        key = (obj["apiVersion"], obj["kind"])
        assert key in KINDS, f"no CRD schema for {key}"
        jsonschema.Draft202012Validator(schema(KINDS[key])).validate(obj)
        meta = obj["metadata"]
        assert NAME.match(meta["name"]) and len(meta["name"]) <= 63, meta["name"]
        assert meta["namespace"] in ("argocd", "flux-system")


@pytest.mark.parametrize("file", sorted(KINDS.values()))
def test_schemas_name_their_source_commit(file: str) -> None:
    comment = schema(file)["$comment"]
    assert re.search(r"(argoproj/argo-cd|fluxcd/[a-z-]+) \S+\.yaml at commit [0-9a-f]{40}",
                     comment)
    jsonschema.Draft202012Validator.check_schema(schema(file))


def _mutations() -> list[tuple[str, str, Any]]:
    return [
        ("argocd-application.json", "spec.project", None),            # required
        ("argocd-application.json", "spec.source.repoURL", None),     # required
        ("argocd-application.json", "spec.syncPolicy.automated.prune", "true"),  # type
        ("argocd-application.json", "spec.syncPolicy.retry.limit", "10"),       # type
        ("argocd-application.json", "spec.syncPolicy.autoSync", True),          # unknown
        ("flux-kustomization.json", "spec.prune", None),              # required
        ("flux-kustomization.json", "spec.interval", "10 minutes"),   # pattern
        ("flux-kustomization.json", "spec.decryption.provider", "age"),  # enum
        ("flux-kustomization.json", "spec.sourceRef.kind", "Git"),    # enum
        ("flux-kustomization.json", "spec.dependson", []),            # unknown (case)
        ("flux-gitrepository.json", "spec.url", "git@github.com:acme/fabric.git"),  # pattern
        ("flux-gitrepository.json", "spec.interval", None),           # required
    ]


def _set(obj: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        obj = obj.setdefault(part, {})
    if value is None:
        obj.pop(last, None)
    else:
        obj[last] = value


@pytest.mark.parametrize(("file", "field", "value"), _mutations())
def test_schemas_reject_what_the_crd_rejects(file: str, field: str, value: Any) -> None:
    """The schemas are not vacuous: breaking one field of a valid object makes it invalid."""
    kind = {v: k for k, v in KINDS.items()}[file][1]
    # The SOPS plan's Kustomizations carry spec.decryption, so that it can be broken too.
    valid = next(o for o in all_objects(sops_flux_plan()) + all_objects(plan_of())
                 if o["kind"] == kind)
    broken = copy.deepcopy(valid)
    _set(broken, field, value)
    validator = jsonschema.Draft202012Validator(schema(file))
    validator.validate(valid)
    assert not validator.is_valid(broken)
