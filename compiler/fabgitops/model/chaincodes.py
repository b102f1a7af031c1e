"""Chaincodes: what runs as a service next to the peers, and its definition on each channel.

A chaincode here is always chaincode-as-a-service (CCaaS): the peers' built-in ``ccaas_builder``
installs a package that only says where the chaincode server listens, and the server runs as a
Deployment from a pinned image. Fabric's lifecycle definition (version, sequence, policies,
collections, init flag) is data the compiler turns into idempotent install/approve/commit Jobs.
"""

from __future__ import annotations

from pydantic import Field

from fabgitops.model.base import StrictModel
from fabgitops.model.delivery import ResourceRequirements

MAX_CHAINCODES = 100
DEFAULT_PORT = 9999
"""The chaincode server port of the Fabric samples (test-network-k8s, deployCCAAS.sh)."""


class ChaincodePolicy(StrictModel):
    """An endorsement policy: a signature-policy rule or a channel policy's path (one of them).

    Neither set means Fabric's default, the channel policy ``/Channel/Application/Endorsement``.
    """

    signature: str | None = None
    """Policy DSL, e.g. ``AND('Org1MSP.peer', 'Org2MSP.peer')``."""
    channel_config_policy: str | None = None
    """A channel policy path, e.g. ``/Channel/Application/Endorsement``."""


class Collection(StrictModel):
    """A private data collection (the ``--collections-config`` JSON of ``peer lifecycle``)."""

    name: str = Field(min_length=1)
    policy: str = Field(min_length=1)
    """Who holds the data: an OR of members, e.g. ``OR('Org1MSP.member', 'Org2MSP.member')``."""
    required_peer_count: int = Field(default=0, ge=0, le=1000)
    max_peer_count: int = Field(default=1, ge=0, le=1000)
    block_to_live: int = Field(default=0, ge=0)
    """Blocks after which private data is purged; 0 keeps it forever. Immutable in Fabric."""
    member_only_read: bool = False
    member_only_write: bool = False
    endorsement_policy: ChaincodePolicy | None = None
    """Endorsement of writes to this collection; default the chaincode's."""


class ChaincodeTLS(StrictModel):
    """TLS between the peers (clients) and the chaincode server."""

    enabled: bool = True
    """The server's key and certificate are issued by the org's TLS CA and sealed."""
    client_auth: bool = False
    """Also require the peers' TLS client certificates (issued by the same TLS CA)."""


class Chaincode(StrictModel):
    """A chaincode-as-a-service and its lifecycle definition."""

    name: str = Field(min_length=1)
    """The chaincode name on the channel (``^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$``)."""
    version: str = Field(min_length=1)
    label: str | None = None
    """Package label; default ``<Name>_<Version>``. A new label is a new package."""
    image: str = Field(min_length=1)
    """The chaincode server image, pinned to a tag (not ``latest``) or a digest. Changing only
    the image rolls the Deployment; the package and the definition stay the same."""
    channels: tuple[str, ...] = Field(min_length=1)
    organizations: tuple[str, ...] | None = None
    """Peer orgs that run the server, install the package and approve; default every peer org of
    each channel."""
    endorsement_policy: ChaincodePolicy | None = None
    collections: tuple[Collection, ...] = ()
    init_required: bool = False
    replicas: int = Field(default=1, ge=1, le=50)
    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    address: str | None = None
    """``host:port`` the peers dial; default the org's chaincode Service. The host is added to the
    server certificate's SANs."""
    tls: ChaincodeTLS = Field(default_factory=ChaincodeTLS, alias="TLS")
    resources: ResourceRequirements | None = None
