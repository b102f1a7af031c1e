"""The issued material of one org, as plain frozen values (decrypted, in memory).

These are what ``msp`` lays out in cryptogen's directory structure and what the keystore
persists; they carry PEM bytes exactly as written, so reused material stays byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from cryptography import x509

from fabgitops.keystore.value import SecretValue, reveal
from fabgitops.plan import NodeKind, Role


@dataclass(frozen=True)
class CertKey:
    """A certificate and its private key, both PEM (the key in clear: never write it to git).

    ``key`` may still be encrypted (a :class:`~fabgitops.keystore.value.KeystoreSecret`):
    whatever only passes it on takes ``key``; :attr:`key_pem` decrypts it.
    """

    cert_pem: bytes
    key: SecretValue

    @property
    def key_pem(self) -> bytes:
        """The private key, PEM (decrypted if it was not yet)."""
        return reveal(self.key)

    @cached_property
    def certificate(self) -> x509.Certificate:
        """The parsed certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem)

    def __repr__(self) -> str:
        # Keeps private keys out of logs, tracebacks and assertion messages.
        return f"CertKey({self.certificate.subject.rfc4514_string()!r})"


@dataclass(frozen=True)
class IdentityMaterial:
    """One local MSP identity plus its TLS pair (msp.go ``GenerateLocalMSP``)."""

    common_name: str
    role: Role
    enrollment: CertKey
    tls: CertKey

    @property
    def is_user(self) -> bool:
        """Users and admins get ``client.*`` TLS files, nodes ``server.*`` (msp.go L164-168)."""
        return self.role in (Role.CLIENT, Role.ADMIN)


@dataclass(frozen=True)
class OrgMaterial:
    """Everything cryptogen generates for one org, plus the CA server's TLS pair."""

    name: str
    domain: str
    kind: NodeKind
    crypto_dir: str
    """``peerOrganizations/<domain>`` or ``ordererOrganizations/<domain>``."""
    enable_node_ous: bool
    ca_name: str
    """CN of the signing CA, which also names its files (ca.go L254)."""
    tlsca_name: str
    ca: CertKey
    tlsca: CertKey
    nodes: tuple[IdentityMaterial, ...]
    users: tuple[IdentityMaterial, ...]
    """``User1..N`` then ``Admin``, cryptogen's order."""
    ca_server_tls: CertKey
    """TLS server pair of fabric-ca-server, signed by the TLS CA (not part of cryptogen)."""
    chaincode_tls: Mapping[str, CertKey] = field(default_factory=dict)
    """By chaincode name: the TLS server pair of the org's chaincode server (TLS CA signed)."""
    scraper_tls: CertKey | None = None
    """With Monitoring: Prometheus' client pair for the operations endpoints (TLS CA signed)."""
    config_indent: int = 2
    """Indentation of ``msp/config.yaml``: cryptogen 2.5 (yaml.v2) writes 2, 3.x writes 4."""

    @property
    def admin(self) -> IdentityMaterial:
        """``Admin@<domain>``, always the last user (main.go L550-556, L657-665)."""
        return self.users[-1]

    def identity(self, common_name: str) -> IdentityMaterial:
        """The node or user with this CN.

        Raises:
            KeyError: no such identity in this org.
        """
        for candidate in (*self.nodes, *self.users):
            if candidate.common_name == common_name:
                return candidate
        raise KeyError(f"org {self.name} has no identity {common_name!r}")
