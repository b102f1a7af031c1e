"""An identity's MSP and TLS files as Kubernetes objects with fixed keys.

cryptogen names files after common names (``cacerts/ca.org1-cert.pem``); the bases instead mount
fixed keys through projected volumes, so that one static base serves every node. Public files go
to ConfigMaps (reviewable diffs), private keys only to the node's Secret, which leaves the
renderer as a :class:`~fabgitops.seal.PlainSecret` for the seal stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fabgitops.crypto.values import CertKey, IdentityMaterial
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.value import SecretValue
from fabgitops.render.common import PROJECTED_MODE, Labels, Manifest, config_map
from fabgitops.waves import ANNOTATION, Wave

# cryptogen folder of the local MSP -> fixed ConfigMap key and file path in the mounted MSP.
# Fabric reads every PEM file of each folder (msp/configbuilder.go getPemMaterialFromDir), so
# the names themselves carry no meaning, except in config.yaml, which is rewritten to match.
_MSP_FOLDERS: tuple[tuple[str, str, str], ...] = (
    ("cacerts", "cacert.pem", "cacerts/cacert.pem"),
    ("tlscacerts", "tlscacert.pem", "tlscacerts/tlscacert.pem"),
    ("signcerts", "signcert.pem", "signcerts/cert.pem"),
    ("admincerts", "admincert.pem", "admincerts/admincert.pem"),
)
CONFIG_YAML = "config.yaml"
MSP_KEY = "msp.key"
"""Secret key of the MSP signing key (mounted as ``keystore/key.pem``)."""
TLS_KEY = "tls.key"
"""Secret key of the TLS private key (mounted as ``server.key`` or ``client.key``)."""


@dataclass(frozen=True)
class IdentityObjects:
    """The public ConfigMaps, the secret values and the projected volume sources of one
    identity."""

    msp: Manifest
    tls: Manifest
    secret_data: dict[str, SecretValue]
    msp_volume: Manifest
    tls_volume: Manifest


def _single(files: Mapping[str, bytes], folder: str, what: str) -> tuple[str, bytes] | None:
    # By path first: reading an entry of the msp/ folder may decrypt it (its keystore/).
    found = sorted((p, files[p]) for p in files if p.startswith(folder + "/"))
    if len(found) > 1:
        raise EnvironmentProblem(f"{what}: more than one file in {folder}/ "
                                 f"({', '.join(p for p, _ in found)})")
    return found[0] if found else None


def msp_public(local_msp: Mapping[str, bytes], what: str) -> dict[str, str]:
    """The public files of a local MSP under fixed keys, ``config.yaml`` pointed at them.

    Raises:
        EnvironmentProblem: a folder holds several files, or a mandatory one is missing.
    """
    data: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for folder, key, mounted in _MSP_FOLDERS:
        entry = _single(local_msp, folder, what)
        if entry is None:
            if folder != "admincerts":
                raise EnvironmentProblem(f"{what}: the MSP has no {folder}/ file")
            continue
        data[key] = entry[1].decode()
        renamed[entry[0]] = mounted
    config = local_msp.get(CONFIG_YAML)
    if config is not None:
        text = config.decode()
        for original, mounted in renamed.items():
            # NodeOU identifiers name a CA certificate by its path in the MSP (msp.go
            # exportConfig): follow the rename, or Fabric fails "not in root or intermediate".
            text = text.replace(original, mounted)
        data[CONFIG_YAML] = text
    return data


def _msp_items(data: Mapping[str, str]) -> list[Manifest]:
    items = [{"key": key, "path": mounted} for _, key, mounted in _MSP_FOLDERS if key in data]
    if CONFIG_YAML in data:
        items.append({"key": CONFIG_YAML, "path": CONFIG_YAML})
    return items


def identity_objects(
    *,
    prefix: str,
    namespace: str,
    labels: Labels,
    local_msp: Mapping[str, bytes],
    material: IdentityMaterial,
    tls_ca: CertKey,
    what: str,
) -> IdentityObjects:
    """ConfigMaps ``<prefix>-msp`` and ``<prefix>-tls`` and the projected volumes that mount
    them together with the Secret ``<prefix>-keys``.

    Args:
        prefix: the node's host name, or ``admin`` for the org admin.
        namespace: the org's namespace.
        labels: labels of the objects.
        local_msp: the identity's ``msp/`` folder (``CryptoMaterial.local_msp``), whose
            public files the ConfigMap holds under fixed names.
        material: the identity's key pairs (its MSP key and its TLS pair).
        tls_ca: the org's TLS CA (``ca.crt`` of the TLS folder).
        what: the identity, for messages.

    Raises:
        EnvironmentProblem: material is missing.
    """
    msp = msp_public(local_msp, what)
    key = material.enrollment.key
    # msp.go L159-178: users get client.*, nodes server.*.
    side = "client" if material.is_user else "server"
    tls_public = {f"{side}.crt": material.tls.cert_pem.decode(), "ca.crt": tls_ca.cert_pem.decode()}
    tls_key = material.tls.key
    secret = f"{prefix}-keys"
    msp_volume = projected("msp", [
        {"configMap": {"name": f"{prefix}-msp", "items": _msp_items(msp)}},
        {"secret": {"name": secret, "items": [{"key": MSP_KEY, "path": "keystore/key.pem"}]}},
    ])
    tls_volume = projected("tls", [
        {"configMap": {"name": f"{prefix}-tls", "items": [
            {"key": f"{side}.crt", "path": f"{side}.crt"}, {"key": "ca.crt", "path": "ca.crt"}]}},
        {"secret": {"name": secret, "items": [{"key": TLS_KEY, "path": f"{side}.key"}]}},
    ])
    return IdentityObjects(
        msp=config_map(f"{prefix}-msp", namespace, labels, data=msp),
        tls=config_map(f"{prefix}-tls", namespace, labels, data=tls_public),
        secret_data={MSP_KEY: key, TLS_KEY: tls_key},
        msp_volume=msp_volume,
        tls_volume=tls_volume,
    )


def projected(name: str, sources: list[Manifest]) -> Manifest:
    """A projected volume readable by the pod's fsGroup only."""
    return {"name": name, "projected": {"defaultMode": PROJECTED_MODE, "sources": sources}}


def secret_annotations() -> dict[str, str]:
    """Annotations of every rendered Secret: it belongs to the CONFIG wave."""
    return {ANNOTATION: str(int(Wave.CONFIG))}
