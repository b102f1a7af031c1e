"""The plaintext Secret the renderer hands to the seal stage, and its plain v1 manifest.

A :class:`PlainSecret` is the only place secret bytes exist in the pipeline after ``crypto``:
the seal stage turns each one into a SealedSecret, a SOPS file or (on explicit request) a plain
Secret manifest, at the output path the renderer chose.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fabgitops.dns import is_subdomain, label_problem
from fabgitops.keystore.value import SecretValue, reveal, token
from fabgitops.ports import RandomBytes

OPAQUE = "Opaque"
TLS = "kubernetes.io/tls"
SECRET_TYPES = frozenset({OPAQUE, TLS})

# Kubernetes validation (k8s.io/apimachinery IsConfigMapKey, IsDNS1123Subdomain/Label): a name
# that the API server would reject must not get as far as a sealed file.
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")

# kubectl and kubecfg keep a full copy of the object in these annotations; kubeseal strips them
# (StripLastAppliedAnnotations in sealedsecret_expansion.go) because they would leak the values.
_LEAKY_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration",
    "kubecfg.ksonnet.io/last-applied-configuration",
})


@dataclass(frozen=True)
class PlainSecret:
    """One Kubernetes Secret in clear, as the renderer produced it.

    Attributes:
        path: output path of the file (POSIX, relative to the output root), chosen by the renderer.
        name: the Secret's name (a DNS subdomain), final after every Kustomize transformation.
        namespace: the Secret's namespace (a DNS label), final as well.
        type: ``Opaque`` or ``kubernetes.io/tls`` (which requires ``tls.crt`` and ``tls.key``).
        labels: labels of the Secret (and of the SealedSecret that creates it).
        annotations: annotations of the Secret (and of the SealedSecret).
        data: every value by data key: raw bytes, or a keystore secret that is decrypted only
            when the stage must seal it again (:mod:`fabgitops.keystore.value`).
    """

    path: str
    name: str
    namespace: str
    type: str = OPAQUE
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, SecretValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Reject values the API server would refuse: they are bugs in the renderer."""
        parts = self.path.split("/")
        if "\\" in self.path or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"secret path {self.path!r} is not a clean relative POSIX path")
        if not is_subdomain(self.name):
            raise ValueError(f"{self.path}: secret name {self.name!r} is not a DNS-1123 subdomain")
        if label_problem(self.namespace):
            raise ValueError(f"{self.path}: namespace {self.namespace!r} is not a DNS-1123 label")
        if self.type not in SECRET_TYPES:
            raise ValueError(f"{self.path}: secret type {self.type!r} is not one of "
                             f"{sorted(SECRET_TYPES)}")
        bad = sorted(k for k in self.data if not _DATA_KEY.match(k))
        if bad:
            raise ValueError(f"{self.path}: invalid data key(s) {bad}")
        if self.type == TLS and not {"tls.crt", "tls.key"} <= set(self.data):
            raise ValueError(f"{self.path}: a {TLS} Secret needs data keys tls.crt and tls.key")
        leaky = sorted(_LEAKY_ANNOTATIONS & set(self.annotations))
        if leaky:
            raise ValueError(f"{self.path}: annotation(s) {leaky} would copy the values in clear")


def object_metadata(secret: PlainSecret, annotations: Mapping[str, str] | None = None,
                    ) -> dict[str, Any]:
    """A fresh ``metadata`` mapping for a manifest of ``secret``; never a ``creationTimestamp``.

    Args:
        secret: whose name, namespace and labels to use.
        annotations: the annotations to write instead of ``secret.annotations``.

    Empty ``labels``/``annotations`` are left out rather than written as ``{}``, the way the API
    server returns them. Every call builds new dicts: PyYAML would write a mapping shared by two
    places of a document as an anchor and an alias.
    """
    meta: dict[str, Any] = {"name": secret.name, "namespace": secret.namespace}
    if secret.labels:
        meta["labels"] = dict(secret.labels)
    chosen = secret.annotations if annotations is None else annotations
    if chosen:
        meta["annotations"] = dict(chosen)
    return meta


def plain_secret_manifest(secret: PlainSecret) -> dict[str, Any]:
    """Render ``secret`` as a v1 Secret manifest: ``data`` values are standard base64 (keystore
    secrets decrypted)."""
    return _manifest(secret, {key: base64.b64encode(reveal(value)).decode()
                              for key, value in sorted(secret.data.items())})


def token_manifest(secret: PlainSecret) -> dict[str, Any] | None:
    """The manifest of ``secret`` with each keystore secret written as ``token:<token>`` instead
    of its base64 (never decrypted; base64 has no ``:``, so no value reads as a token), or None
    when it holds no keystore secret."""
    tokens = {key: token(value) for key, value in secret.data.items()}
    if not any(tokens.values()):
        return None
    return _manifest(secret, {
        key: f"token:{tokens[key]}" if tokens[key] else base64.b64encode(reveal(value)).decode()
        for key, value in sorted(secret.data.items())})


def _manifest(secret: PlainSecret, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": object_metadata(secret),
        "type": secret.type,
        "data": data,
    }


def take(random: RandomBytes, size: int) -> bytes:
    """Draw ``size`` bytes from the injected source, refusing a source that returns fewer."""
    out = random(size)
    if len(out) != size:
        raise ValueError(f"the random source returned {len(out)} bytes instead of {size}")
    return out
