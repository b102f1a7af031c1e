"""The order in which a cluster converges, shared by the renderer and the GitOps objects.

Inside an overlay, Argo CD applies resources by ``argocd.argoproj.io/sync-wave`` and waits for
each wave to be healthy. Across overlays, Argo CD Applications carry the wave of their first
workload and Flux Kustomizations use ``dependsOn`` in the same order.
"""

from __future__ import annotations

from enum import IntEnum

ANNOTATION = "argocd.argoproj.io/sync-wave"


class Wave(IntEnum):
    """Sync waves, lowest first."""

    NAMESPACE = -1
    """Namespaces, ServiceAccounts, NetworkPolicies."""
    CONFIG = 0
    """Secrets (sealed or SOPS), ConfigMaps of public material and channel blocks."""
    CA = 1
    KAFKA = 2
    """ZooKeeper and Kafka (kafka networks only)."""
    ORDERER = 3
    PEER = 4
    """Peers with their CouchDB, and the CLI pod."""
    CHANNEL_JOBS = 5
    """Jobs that create and join channels; they retry until the nodes answer."""
    CHANNEL_UPDATES = 6
    """Jobs that bring running channels to the config in git (after the nodes have joined)."""
    CHAINCODE_JOBS = 7
    """Chaincode install and approve Jobs: after the peers joined and the channel updates."""
    CHAINCODE_COMMIT = 8
    """Chaincode commit Jobs, after the committing org's own approval."""
