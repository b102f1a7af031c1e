"""The output repository's layout: its top-level directories and the files under .fabgitops/.

The one place these paths are spelled; stages import them from here. Every generated path is
relative to the output repository root and uses ``/``.
"""

from __future__ import annotations

BASES_DIR = "bases"
"""The hand-written Kustomize bases, copied from the package."""
OVERLAYS_DIR = "overlays"
"""``overlays/<namespace>/``: one Kustomize overlay per org (and the Kafka namespace)."""
CLUSTERS_DIR = "clusters"
"""``clusters/<network>/<engine>/``: the Argo CD or Flux entry point."""
CHANNELS_DIR = "channels"
"""``channels/<channel>/``: genesis blocks, channel transactions and updates."""
CHAINCODES_DIR = "chaincodes"
"""``chaincodes/<name>/``: a chaincode's reviewable files."""
MONITORING_DIR = "monitoring"
"""``monitoring/``: the Grafana dashboard, and the plain Prometheus configuration."""
SOPS_CONFIG = ".sops.yaml"
"""SOPS creation rules (Secrets.Mode sops)."""

STATE_DIR = ".fabgitops"
"""The compiler's own state; committed, except what its ``.gitignore`` lists."""
KEYSTORE_DIR = f"{STATE_DIR}/keystore"
"""Certificates in clear and age-encrypted keys and credentials."""
KEYSTORE_PREFIX = f"{KEYSTORE_DIR}/"
STATE_FILE = f"{STATE_DIR}/state.json"
"""The network summary of the last compile (commit messages and ``describe`` compare it)."""
MANIFEST = f"{STATE_DIR}/manifest.json"
"""The generated files with their digests (what a compile owns)."""
SEAL_INDEX = f"{STATE_DIR}/seal-index.json"
"""Which plaintext each sealed Secret holds, as keyed digests: reuse unchanged ciphertexts."""
GITIGNORE = f"{STATE_DIR}/.gitignore"
JOURNAL = f"{STATE_DIR}/journal.json"
"""Local only: the write in progress, to finish or report an interrupted write."""
LOCK = f"{STATE_DIR}/lock"
"""Local only: the lock of concurrent compiles."""
LOCAL_ONLY = (LOCK, JOURNAL)
"""Files under ``.fabgitops/`` that are never committed (listed in its ``.gitignore``)."""

OWNED_ROOTS = (f"{BASES_DIR}/", f"{OVERLAYS_DIR}/", f"{CLUSTERS_DIR}/", f"{CHANNELS_DIR}/",
               f"{CHAINCODES_DIR}/", f"{MONITORING_DIR}/", f"{STATE_DIR}/", SOPS_CONFIG)
"""What a compile reads and may write; everything else in the repository is the user's."""


def is_keystore(path: str) -> bool:
    """Whether ``path`` is in the keystore."""
    return path.startswith(KEYSTORE_PREFIX)
