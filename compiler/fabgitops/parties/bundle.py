"""The public bundle of an org: what another party needs to put it into channel configs.

A bundle holds the org's verifying MSP (configtxgen's ``MSPDir``: CA and TLS CA certificates,
admin certificates, ``config.yaml``), its channel policies, its anchor peers, and per node the
endpoint other clusters dial with the node's TLS and signing certificates (orderers are
consenters by their TLS certificate; BFT also names their signing identity). It never holds a
private key. The format is YAML with sorted keys, so exporting twice gives the same bytes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fabgitops import yamlemit
from fabgitops.model import Policy, StrictModel

BundleFormat = Literal["fabgitops.org-bundle/v1"]
FORMAT: BundleFormat = "fabgitops.org-bundle/v1"
ENDPOINT_PATTERN = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[0-9]{1,5}$"
MSP_PATH_PATTERN = (r"^((cacerts|intermediatecerts|tlscacerts|tlsintermediatecerts|admincerts"
                    r"|crls)/[A-Za-z0-9._@-]+|config\.yaml)$")


class BundleNode(StrictModel):
    """A peer or orderer of the org, as other parties dial it."""

    hostname: str = Field(min_length=1)
    common_name: str = Field(min_length=1)
    endpoint: str = Field(pattern=ENDPOINT_PATTERN)
    """``host:port`` that nodes on other clusters dial (a SAN of ``TLSCertificate``)."""
    tls_certificate: str = Field(alias="TLSCertificate", min_length=1)
    sign_certificate: str = Field(min_length=1)


class OrgBundle(StrictModel):
    """One org's public material (``fabgitops export-org``)."""

    bundle: BundleFormat
    name: str = Field(min_length=1)
    msp_id: str = Field(alias="MSPID", min_length=1)
    kind: Literal["peer", "orderer"]
    domain: str = Field(min_length=1)
    enable_node_ous: bool = Field(alias="EnableNodeOUs")
    policies: dict[str, Policy]
    msp: dict[str, str] = Field(alias="MSP")
    """The verifying MSP: path below ``msp/`` -> PEM (or ``config.yaml`` text)."""
    nodes: tuple[BundleNode, ...] = ()
    anchor_peers: tuple[str, ...] = ()

    def node(self, hostname: str) -> BundleNode:
        """The node with this host name."""
        return next(n for n in self.nodes if n.hostname == hostname)


def bundle_bytes(bundle: OrgBundle) -> bytes:
    """The bundle file: a comment saying what it is, then sorted YAML (deterministic)."""
    header = (f"# Public material of {bundle.name} ({bundle.msp_id}) for other parties, written "
              "by `fabgitops export-org`.\n# It holds no private key; commit it where the other "
              "parties' cluster-configs name it as Bundle.\n")
    data = bundle.model_dump(by_alias=True, mode="json")
    return (header + yamlemit.emit(data)).encode()
