"""The seal stage: encrypt every rendered Secret before it reaches git.

Three methods: Bitnami SealedSecrets (the default, for Argo CD and Flux), SOPS with age
recipients (Flux's native decryption), and plain manifests on explicit request only. All of it is
pure: randomness and the clock are injected, the current output tree and the previous index come
in as values, and the caller writes the files and the index.
"""

from __future__ import annotations

from fabgitops.ports import RandomBytes
from fabgitops.seal.index import IndexEntry, SealIndex, dumps, loads
from fabgitops.seal.sealed_secrets import Scope, SealingCertificate, load_certificate
from fabgitops.seal.secret import PlainSecret, plain_secret_manifest
from fabgitops.seal.sops import secret_path_regex, sops_config
from fabgitops.seal.stage import (
    PlainMethod,
    SealedSecretsMethod,
    SealMethod,
    SealResult,
    SopsMethod,
    seal_secrets,
)

__all__ = [
    "IndexEntry",
    "PlainMethod",
    "PlainSecret",
    "RandomBytes",
    "Scope",
    "SealIndex",
    "SealMethod",
    "SealResult",
    "SealedSecretsMethod",
    "SealingCertificate",
    "SopsMethod",
    "dumps",
    "load_certificate",
    "loads",
    "plain_secret_manifest",
    "seal_secrets",
    "secret_path_regex",
    "sops_config",
]
