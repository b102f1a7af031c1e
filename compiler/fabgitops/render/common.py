"""Shared vocabulary of the render stage: paths, labels, manifests, kustomizations, images.

Everything here is a pure function from plan values to plain dicts (manifests) or bytes
(files); the modules per component compose them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fabgitops import yamlio
from fabgitops.images import parse_image
from fabgitops.kustomize import json_patch
from fabgitops.layout import BASES_DIR, OVERLAYS_DIR
from fabgitops.model import Component, ResourceRequirements
from fabgitops.plan import Plan
from fabgitops.waves import ANNOTATION, Wave

Manifest = dict[str, Any]

MANAGED_BY = "fabgitops"
USER_PATCHES = "patches"
"""``overlays/<namespace>/patches/``: the user's Kustomize Component, never written here."""

# Pods run as this uid/gid unless an image needs its own (CouchDB: 5984); see bases/.
RUN_AS = 1000
PROJECTED_MODE = 0o440
"""Key and certificate files: readable by the pod's fsGroup only."""


def overlay_dir(namespace: str) -> str:
    """``overlays/<namespace>``: one org (or the Kafka namespace) per directory."""
    return f"{OVERLAYS_DIR}/{namespace}"


def base_ref(component: str) -> str:
    """The path of ``bases/<component>`` from a node directory ``overlays/<ns>/<dir>/``."""
    return f"../../../{BASES_DIR}/{component}"


def short_hash(*parts: bytes, length: int = 10) -> str:
    """A short content hash for names that must change when their content does (Jobs)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(_sha256(part))
    return digest.hexdigest()[:length]


@lru_cache(maxsize=4096)
def _sha256(part: bytes) -> bytes:
    # Every join Job hashes the channel blocks it reads: hash each block once, not once per
    # node (bytes cache their own hash, so the lookup is cheap).
    return hashlib.sha256(part).digest()


@dataclass(frozen=True)
class Labels:
    """The labels of one rendered object: the article's scheme plus app.kubernetes.io/*.

    ``app: hyperledger``, ``role`` and ``org`` keep the article's selectors meaningful;
    ``peer-id``/``orderer-id`` name the node; ``app.kubernetes.io/instance`` is the per-node
    selector label that makes Service ``<host>`` select only its own pod.
    """

    network: str
    namespace: str
    role: str
    name: str
    instance: str
    node_label: str | None = None
    """``peer-id`` or ``orderer-id``, set to the instance."""

    def selector(self) -> dict[str, str]:
        """The immutable selector of a workload or Service."""
        return {"app": "hyperledger", "role": self.role,
                "app.kubernetes.io/instance": self.instance}

    def all(self) -> dict[str, str]:
        """Every label, for metadata and pod templates."""
        out = {
            **self.selector(),
            "org": self.namespace,
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/component": self.role,
            "app.kubernetes.io/part-of": self.network,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        }
        if self.node_label:
            out[self.node_label] = self.instance
        return out

    def template_only(self) -> dict[str, str]:
        """Labels a node overlay adds to the base's objects and pod templates (not selectors)."""
        out = {"org": self.namespace, "app.kubernetes.io/part-of": self.network}
        if self.node_label:
            out[self.node_label] = self.instance
        return out


def metadata(name: str, namespace: str, labels: Labels, wave: Wave,
             annotations: Mapping[str, str] | None = None) -> Manifest:
    """Object metadata with labels and the Argo CD sync wave; never a creationTimestamp."""
    return {
        "name": name,
        "namespace": namespace,
        "labels": labels.all(),
        "annotations": {ANNOTATION: str(int(wave)), **(annotations or {})},
    }


def config_map(name: str, namespace: str, labels: Labels, *, data: Mapping[str, str] | None = None,
               binary: Mapping[str, str] | None = None) -> Manifest:
    """A ConfigMap of public material (wave CONFIG); ``binary`` values are base64 already."""
    manifest: Manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name, namespace, labels, Wave.CONFIG),
    }
    if data:
        manifest["data"] = dict(data)
    if binary:
        manifest["binaryData"] = dict(binary)
    return manifest


def rename(kind: str, base_name: str, new_name: str) -> Manifest:
    """Rename a base object (Kustomize then also updates a StatefulSet's serviceName)."""
    return json_patch(kind, base_name,
                      [{"op": "replace", "path": "/metadata/name", "value": new_name}])


def node_labels(labels: Labels) -> list[Manifest]:
    """``labels`` of a node kustomization: the per-node selector, then plain labels."""
    return [
        {"pairs": {"app.kubernetes.io/instance": labels.instance}, "includeSelectors": True},
        {"pairs": labels.template_only(), "includeTemplates": True},
    ]


def env(name: str, value: str) -> Manifest:
    """A literal environment variable."""
    return {"name": name, "value": value}


def secret_env(name: str, secret: str, key: str) -> Manifest:
    """An environment variable read from a Secret."""
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def restricted() -> Manifest:
    """Container securityContext of the Pod Security Standard "restricted"."""
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]}}


def pod_security() -> Manifest:
    """Pod securityContext: non-root, fsGroup for the volumes, RuntimeDefault seccomp."""
    return {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"}}


def resources_override(plan: Plan, component: Component) -> Manifest | None:
    """The user's ``Kubernetes.Resources`` for a component, as a container ``resources`` patch
    (merged over the base's defaults), or None."""
    spec: ResourceRequirements | None = plan.kubernetes.resources.get(component)
    if spec is None:
        return None
    out: Manifest = {}
    for field in ("requests", "limits"):
        quantities = getattr(spec, field)
        if quantities is not None:
            values = quantities.model_dump(exclude_none=True)
            if values:
                out[field] = values
    return out or None


def role_storage_patch(plan: Plan, role: str, sizes: Sequence[tuple[str, str]]
                       ) -> list[Manifest]:
    """The org-level patch setting the volume claims of every StatefulSet with label
    ``role=<role>`` (the same for every node of the org, so said once), or none.

    Args:
        plan: the network (its StorageClass).
        role: ``peer``, ``orderer`` or ``ca``.
        sizes: per volumeClaimTemplate, the configured size and the base's; a template whose
            size is the base's needs no operation unless a StorageClass is set.
    """
    ops = [op for index, (size, base) in enumerate(sizes)
           if size != base or plan.kubernetes.storage_class
           for op in storage_patch(plan, size, index)]
    if not ops:
        return []
    return [{"target": {"kind": "StatefulSet", "labelSelector": f"role={role}"},
             "patch": yamlio.dump(ops)}]


def storage_patch(plan: Plan, size: str, index: int = 0) -> list[Manifest]:
    """JSON 6902 operations setting a volumeClaimTemplate's size and StorageClass."""
    prefix = f"/spec/volumeClaimTemplates/{index}/spec"
    ops: list[Manifest] = [
        {"op": "replace", "path": f"{prefix}/resources/requests/storage", "value": size}]
    storage_class = plan.kubernetes.storage_class
    if storage_class:
        ops.append({"op": "add", "path": f"{prefix}/storageClassName", "value": storage_class})
    return ops


BASE_IMAGES: Mapping[str, str] = {
    "peer": "hyperledger/fabric-peer",
    "orderer": "hyperledger/fabric-orderer",
    "tools": "hyperledger/fabric-tools",
    "ca": "hyperledger/fabric-ca",
    "couch_db": "couchdb",
    "kafka": "hyperledger/fabric-kafka",
    "zoo_keeper": "hyperledger/fabric-zookeeper",
}
"""The image names the hand-written bases use, by ``plan.images`` key."""


def image_entries(plan: Plan, keys: Iterable[str]) -> list[Manifest]:
    """Kustomize ``images`` entries that swap the bases' images for ``plan.images`` (pinned:
    validation refused any other, ``rules.names``); ``newName`` only where the name differs:
    the default images keep the bases' names and change the tag."""
    out = []
    for key in keys:
        image = parse_image(plan.images[key])
        entry: Manifest = {"name": BASE_IMAGES[key]}
        if image.name != entry["name"]:
            entry["newName"] = image.name
        if image.digest:
            entry["digest"] = image.digest
        else:
            entry["newTag"] = image.tag
        out.append(entry)
    return out
