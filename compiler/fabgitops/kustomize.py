"""Kustomize's ``kustomization.yaml``: the one builder for the overlays and the engine entries.

(Flux's ``Kustomization`` object, a different thing with the same name, lives in
``gitops.flux``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fabgitops import yamlio

KUSTOMIZATION_API = "kustomize.config.k8s.io/v1beta1"

Entry = dict[str, Any]


def kustomization(resources: Iterable[str], *, namespace: str | None = None,
                  components: Iterable[str] = (), labels: Sequence[Entry] = (),
                  patches: Sequence[Entry] = (), images: Sequence[Entry] = (),
                  ) -> Entry:
    """A ``kustomization.yaml`` (Kustomize v5 fields only: ``labels``, ``patches``)."""
    out: Entry = {"apiVersion": KUSTOMIZATION_API, "kind": "Kustomization",
                  "resources": list(resources)}
    if namespace:
        out["namespace"] = namespace
    if components := list(components):
        out["components"] = components
    if labels:
        out["labels"] = list(labels)
    if patches:
        out["patches"] = list(patches)
    if images:
        out["images"] = list(images)
    return out


def json_patch(kind: str, name: str, operations: Sequence[Entry]) -> Entry:
    """A JSON 6902 patch entry of ``patches`` for one object of a base."""
    return {"target": {"kind": kind, "name": name}, "patch": yamlio.dump(list(operations))}
