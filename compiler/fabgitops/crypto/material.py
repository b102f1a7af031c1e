"""The crypto stage's result: cryptogen's tree in memory, the keystore to write, credentials.

Later stages read what they need through the helpers (an identity's local MSP, a node's TLS
files, an org's verifying MSP, the CA server's pairs, a credential) rather than by path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from fabgitops.crypto import msp
from fabgitops.crypto.values import CertKey, IdentityMaterial, OrgMaterial
from fabgitops.keystore.value import KeystoreSecret, RevealingFiles, SecretValue
from fabgitops.notes import Note
from fabgitops.plan import Identity, Org
from fabgitops.tree import FileTree


@dataclass(frozen=True)
class CryptoMaterial:
    """Everything the crypto stage produced.

    Private keys and credentials are decrypted when read (``files``, ``CertKey.key_pem``,
    :meth:`credential`), not before; only ``keystore``, where they are age-encrypted, may be
    written to the repository.
    """

    orgs: Mapping[str, OrgMaterial]
    """By org ``Name``, orderer orgs first, in configuration order."""
    keystore: FileTree
    """``.fabgitops/keystore/...``: certificates in clear, keys and credentials age-encrypted."""
    secret_credentials: Mapping[str, KeystoreSecret]
    """The generated credentials by name, UTF-8, not decrypted until read."""
    notes: tuple[Note, ...] = ()
    """What this compile created, reissued, retired or restored, and warnings."""
    imported: Mapping[str, bytes] = field(default_factory=dict)
    """Other parties' public material (``fabgitops.parties``) in cryptogen's layout: their
    verifying MSPs and nodes' certificates, never a key."""
    facts: frozenset[str] = frozenset()
    """The crypto stage's checks to remember (``fabgitops.keystore.memo``)."""

    def __repr__(self) -> str:
        return f"CryptoMaterial(orgs={list(self.orgs)!r}, {len(self.keystore)} keystore files)"

    @cached_property
    def files(self) -> Mapping[str, bytes]:
        """Every file cryptogen would write, relative to ``crypto-config/`` (a key is decrypted
        when it is read)."""
        return self._files(msp.org_files)

    @cached_property
    def channel_files(self) -> Mapping[str, bytes]:
        """The part of :attr:`files` the channel stage reads (``msp.channel_files`` of every
        org, and the imported orgs'): a fifth of a large network's files."""
        return self._files(msp.channel_files)

    def _files(self, of_org: Callable[[OrgMaterial], Mapping[str, SecretValue]]
               ) -> Mapping[str, bytes]:
        out: dict[str, SecretValue] = {}
        for org in self.orgs.values():
            out.update(of_org(org))
        out.update(self.imported)
        return RevealingFiles(out)

    @property
    def credentials(self) -> Mapping[str, str]:
        """The generated credentials by name (each decrypted when read)."""
        return _Credentials(self.secret_credentials)

    @cached_property
    def directories(self) -> tuple[str, ...]:
        """Every directory of the cryptogen tree, parents first (empty ``admincerts`` too)."""
        dirs: set[str] = set()
        for org in self.orgs.values():
            for directory in msp.org_directories(org):
                parts = directory.split("/")
                dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return tuple(sorted(dirs))

    def org(self, org: Org | str) -> OrgMaterial:
        """The material of an org (a plan ``Org`` or its name).

        Raises:
            KeyError: the org is not in the material.
        """
        name = org if isinstance(org, str) else org.name
        try:
            return self.orgs[name]
        except KeyError:
            raise KeyError(f"no crypto material for org {name!r}") from None

    def identity(self, org: Org | str, identity: Identity | str) -> IdentityMaterial:
        """The material of a node or user (a plan ``Identity`` or its CN)."""
        name = identity if isinstance(identity, str) else identity.common_name
        return self.org(org).identity(name)

    def local_msp(self, org: Org | str, identity: Identity | str) -> Mapping[str, bytes]:
        """The identity's ``msp/`` folder, relative to it: ``cacerts/..``, ``keystore/priv_sk``,
        ``signcerts/..``, ``tlscacerts/..``, ``admincerts/..`` and ``config.yaml`` (NodeOUs)."""
        return RevealingFiles(msp.local_msp(self.org(org), self.identity(org, identity)))

    def tls(self, org: Org | str, identity: Identity | str) -> Mapping[str, bytes]:
        """The identity's ``tls/`` folder: ``ca.crt`` and ``server.*`` (nodes) or ``client.*``."""
        return RevealingFiles(msp.tls_folder(self.org(org), self.identity(org, identity)))

    def verifying_msp(self, org: Org | str) -> Mapping[str, bytes]:
        """The org's ``msp/`` (configtxgen's ``MSPDir``), relative to it."""
        return RevealingFiles(msp.verifying_msp(self.org(org)))

    def signing_ca(self, org: Org | str) -> CertKey:
        """The org's signing CA pair, which its fabric-ca-server serves."""
        return self.org(org).ca

    def tls_root_pem(self, org: Org) -> bytes:
        """The org's TLS CA certificate: its own TLS CA, or an imported org's ``tlscacerts``."""
        if org.name in self.orgs:
            return self.orgs[org.name].tlsca.cert_pem
        return self._imported_tls_roots.get(f"{msp.msp_dir(org)}/tlscacerts", b"")

    @cached_property
    def _imported_tls_roots(self) -> Mapping[str, bytes]:
        """Each imported ``.../tlscacerts`` directory's files joined in path order (indexed
        once: every org's tls-roots asks, and scanning every imported file per ask made
        rendering quadratic in the orgs)."""
        marker = "/tlscacerts/"
        parts: dict[str, list[bytes]] = {}
        for path, content in sorted(self.imported.items()):
            at = path.find(marker)
            while at >= 0:  # every directory the file is below, as a prefix test would
                parts.setdefault(path[:at + len(marker) - 1], []).append(content)
                at = path.find(marker, at + 1)
        return {directory: b"".join(files) for directory, files in parts.items()}

    def tls_ca(self, org: Org | str) -> CertKey:
        """The org's TLS CA pair."""
        return self.org(org).tlsca

    def ca_server_tls(self, org: Org | str) -> CertKey:
        """The TLS server pair of the org's fabric-ca-server (``CAServer.tls_sans``)."""
        return self.org(org).ca_server_tls

    def credential(self, name: str) -> str:
        """A generated credential kept in the keystore (decrypted).

        Raises:
            KeyError: the credential was not requested from ``issue`` (see
                :func:`fabgitops.crypto.stage.credential_names`).
        """
        return self.secret_credential(name).reveal().decode("utf-8")

    def secret_credential(self, name: str) -> KeystoreSecret:
        """A generated credential, not decrypted (see :meth:`credential`).

        Raises:
            KeyError: as :meth:`credential`.
        """
        try:
            return self.secret_credentials[name]
        except KeyError:
            raise KeyError(
                f"credential {name!r} was not generated; pass it to issue(credentials=...)"
            ) from None

    def certificates(self) -> Iterator[tuple[str, CertKey]]:
        """Every distinct certificate with its cryptogen path (the CA server's under
        ``<org>/ca-server/tls/server.crt``, outside cryptogen's tree)."""
        for org in self.orgs.values():
            base = org.crypto_dir
            yield f"{base}/ca/{msp.cert_filename(org.ca_name)}", org.ca
            yield f"{base}/tlsca/{msp.cert_filename(org.tlsca_name)}", org.tlsca
            for identity in (*org.nodes, *org.users):
                root = msp.identity_dir(org, identity)
                yield (f"{root}/msp/signcerts/{msp.cert_filename(identity.common_name)}",
                       identity.enrollment)
                prefix = "client" if identity.is_user else "server"
                yield f"{root}/tls/{prefix}.crt", identity.tls
            yield f"{base}/ca-server/tls/server.crt", org.ca_server_tls
            for chaincode, pair in org.chaincode_tls.items():
                yield f"{base}/chaincodes/{chaincode}/tls/server.crt", pair
            if org.scraper_tls is not None:
                yield f"{base}/monitoring/tls/client.crt", org.scraper_tls


class _Credentials(Mapping[str, str]):
    """Credentials by name, each decrypted when read."""

    def __init__(self, secrets: Mapping[str, KeystoreSecret]) -> None:
        self._secrets = secrets

    def __getitem__(self, name: str) -> str:
        return self._secrets[name].reveal().decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return iter(self._secrets)

    def __len__(self) -> int:
        return len(self._secrets)
