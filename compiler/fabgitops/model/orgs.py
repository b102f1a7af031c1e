"""cryptogen's keys: organizations, nodes, users and their policies (crypto-config.yaml)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from fabgitops.model.base import MAX_NODES_PER_TEMPLATE, MAX_USERS_PER_ORG, StrictModel


class PublicKeyAlgorithm(StrEnum):
    """Key algorithm of a CA, node or user (cryptogen 3.x); only ECDSA P-256 works with 2.5."""

    ECDSA = "ecdsa"
    ED25519 = "ed25519"


class NodeSpec(StrictModel):
    """One explicitly named node (cryptogen ``Specs`` entry) or the org's CA (``CA``)."""

    hostname: str | None = None
    """Host name without the domain. Required in ``Specs``; the CA defaults to ``ca``."""
    common_name: str | None = None
    """Certificate CN; a Go template over {{.Hostname}} and {{.Domain}}. Default
    ``{{.Hostname}}.{{.Domain}}``."""
    country: str | None = None
    """Subject C of the CA (cryptogen reads the subject fields of ``CA`` only)."""
    province: str | None = None
    locality: str | None = None
    organizational_unit: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    sans: tuple[str, ...] = Field(default=(), alias="SANS")
    """Extra TLS subject alternative names; templates over {{.Hostname}}, {{.Domain}},
    {{.CommonName}}. IP addresses become IP SANs."""
    public_key_algorithm: PublicKeyAlgorithm | None = None


class NodeTemplate(StrictModel):
    """Nodes named from a template: ``Count`` nodes ``{{.Prefix}}{{.Index}}``."""

    count: int = Field(default=0, ge=0, le=MAX_NODES_PER_TEMPLATE)
    start: int = Field(default=0, ge=0)
    """First value of {{.Index}}."""
    hostname: str | None = None
    """Go template over {{.Prefix}} (peer or orderer), {{.Index}} and {{.Domain}}."""
    sans: tuple[str, ...] = Field(default=(), alias="SANS")
    public_key_algorithm: PublicKeyAlgorithm | None = None


class UsersSpec(StrictModel):
    """Extra users ``User1@<Domain>``..; ``Admin@<Domain>`` always exists."""

    count: int = Field(default=0, ge=0, le=MAX_USERS_PER_ORG)
    public_key_algorithm: PublicKeyAlgorithm | None = None


class PolicyType(StrEnum):
    """How a channel policy rule is written, as in configtx.yaml."""

    IMPLICIT_META = "ImplicitMeta"
    SIGNATURE = "Signature"


class Policy(StrictModel):
    """A configtx.yaml policy: ``ImplicitMeta`` ("ANY Readers") or ``Signature`` (policy DSL)."""

    type: PolicyType
    rule: str = Field(min_length=1)


Policies = dict[str, Policy]


class Organization(StrictModel):
    """Fields common to orderer and peer organizations (cryptogen's OrgSpec)."""

    name: str = Field(min_length=1)
    """Organization name; the key of its group in channel configs."""
    domain: str = Field(min_length=1)
    """DNS suffix of every node and the Kubernetes namespace of the org."""
    enable_node_ous: bool = Field(default=False, alias="EnableNodeOUs")
    """Classify identities by OU (client, peer, admin, orderer). cryptogen's default is false."""
    ca: NodeSpec = Field(default_factory=NodeSpec, alias="CA")
    template: NodeTemplate = Field(default_factory=NodeTemplate)
    specs: tuple[NodeSpec, ...] = ()
    users: UsersSpec = Field(default_factory=UsersSpec)
    msp_id: str | None = Field(default=None, alias="MSPID", min_length=1)
    """MSP ID; default ``<Name>MSP``."""
    policies: Policies | None = None
    """Org policies (Readers, Writers, Admins, Endorsement); defaults as in fabric-samples."""
    cluster: str | None = Field(default=None, min_length=1)
    """``Kubernetes.Clusters`` entry the org runs on; default the first (or the only) one."""
    external: bool = False
    """Another party runs this org: its public material comes from ``Bundle`` and nothing of
    it is rendered; this party holds none of its keys."""
    bundle: str | None = Field(default=None, min_length=1)
    """Path (relative to this file) of the org's public bundle (``fabgitops export-org``);
    required with ``External: true``."""


class OrdererOrg(Organization):
    """An organization that runs orderers."""


class StateDatabase(StrEnum):
    """World-state database of the peers."""

    COUCHDB = "CouchDB"
    LEVELDB = "LevelDB"


class PeerOrg(Organization):
    """An organization that runs peers."""

    anchor_peers: tuple[str, ...] | None = None
    """Host names of the org's anchor peers; default the first peer."""
    state_database: StateDatabase = StateDatabase.COUCHDB
