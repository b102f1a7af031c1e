"""cryptogen's directory layout of issued material: the ``msp`` layer.

Pure functions from :mod:`fabgitops.crypto.values` to file maps. Paths and contents follow
fabric v2.5.16 ``internal/cryptogen/msp/msp.go`` and ``cmd/cryptogen/main.go``; the result is
what ``cryptogen generate`` leaves on disk, file for file.
"""

from __future__ import annotations

from dataclasses import dataclass

from fabgitops.crypto.values import CertKey, IdentityMaterial, OrgMaterial
from fabgitops.keystore.value import SecretValue
from fabgitops.plan import Identity, NodeKind, Org

Files = dict[str, SecretValue]
"""Paths to contents; private keys stay :class:`~fabgitops.keystore.value.KeystoreSecret` until
read (``CryptoMaterial`` hands them out as ``RevealingFiles``)."""

# msp.go L28-33: the NodeOU values, in the order exportConfig writes them (L301-316).
_NODE_OU_KEYS = (
    ("ClientOUIdentifier", "client"),
    ("PeerOUIdentifier", "peer"),
    ("AdminOUIdentifier", "admin"),
    ("OrdererOUIdentifier", "orderer"),
)
LOCAL_MSP_FOLDERS = ("admincerts", "cacerts", "tlscacerts", "keystore", "signcerts")
"""msp.go ``createFolderStructure`` L251-272 (the verifying MSP has only the first three)."""
VERIFYING_MSP_FOLDERS = LOCAL_MSP_FOLDERS[:3]


def cert_filename(common_name: str) -> str:
    """``<CN>-cert.pem`` (msp.go ``x509Filename`` L274-276, ca.go L254)."""
    return common_name + "-cert.pem"


def node_ou_config(ca_file: str, indent: int = 2) -> bytes:
    """``config.yaml`` with NodeOUs enabled, byte for byte as cryptogen marshals
    ``msp.Configuration`` (msp.go ``exportConfig`` L297-334): 2.5's yaml.v2 indents by 2,
    3.x's yaml v4 by 4 (``indent``); Fabric reads both the same.

    ``ca_file`` is ``cacerts/<ca CN>-cert.pem``; CNs are host names, which yaml writes as
    plain scalars.
    """
    pad = " " * indent
    lines = ["NodeOUs:", f"{pad}Enable: true"]
    for key, ou in _NODE_OU_KEYS:
        lines += [
            f"{pad}{key}:",
            f"{pad}{pad}Certificate: {ca_file}",
            f"{pad}{pad}OrganizationalUnitIdentifier: {ou}",
        ]
    return ("\n".join(lines) + "\n").encode()


def identity_dir(org: OrgMaterial | Org, identity: IdentityMaterial | Identity) -> str:
    """``<org>/peers|orderers|users/<CN>`` (main.go L517-518, L633-634, ``generateNodes`` L610)."""
    node_group = "peers" if org.kind is NodeKind.PEER else "orderers"
    group = "users" if identity.is_user else node_group
    return f"{org.crypto_dir}/{group}/{identity.common_name}"


def msp_dir(org: OrgMaterial | Org) -> str:
    """The org's verifying MSP, configtxgen's ``MSPDir`` (``<org>/msp``)."""
    return f"{org.crypto_dir}/msp"


@dataclass(frozen=True)
class IdentityFiles:
    """Where cryptogen writes one identity's files, relative to the crypto-config root."""

    root: str
    common_name: str
    is_user: bool

    @property
    def signcert(self) -> str:
        """The enrollment certificate (``msp/signcerts/<CN>-cert.pem``)."""
        return f"{self.root}/msp/signcerts/{cert_filename(self.common_name)}"

    @property
    def msp_key(self) -> str:
        """The enrollment key, in clear (``msp/keystore/priv_sk``, csp.go L89)."""
        return f"{self.root}/msp/keystore/priv_sk"

    @property
    def tls_cert(self) -> str:
        """The TLS certificate: ``tls/client.crt`` for users, ``tls/server.crt`` for nodes."""
        return f"{self.root}/tls/{'client' if self.is_user else 'server'}.crt"


def identity_files(org: OrgMaterial | Org, identity: IdentityMaterial | Identity) -> IdentityFiles:
    """The paths of an identity's files in cryptogen's tree (what :func:`org_files` writes)."""
    return IdentityFiles(identity_dir(org, identity), identity.common_name, identity.is_user)


def _admincerts(org: OrgMaterial, identity: IdentityMaterial | None) -> Files:
    """The ``admincerts`` folder of an MSP (``identity`` None: the org's verifying MSP).

    With NodeOUs the folder stays empty (msp.go L126-131, L221-223). Without, msp.go first puts
    the MSP's own signcert there (L126-131; a throwaway cert for the verifying MSP, L225-243),
    then main.go ``copyAdminCert`` (L584-606) replaces it by ``Admin@<domain>``'s signcert for
    the org MSP and for every node (L559-581, L668-690) but not for users, who keep their own.
    """
    if org.enable_node_ous:
        return {}
    holder = identity if identity is not None and identity.is_user else org.admin
    return {cert_filename(holder.common_name): holder.enrollment.cert_pem}


def _ca_folders(org: OrgMaterial) -> Files:
    files: Files = {
        f"cacerts/{cert_filename(org.ca_name)}": org.ca.cert_pem,
        f"tlscacerts/{cert_filename(org.tlsca_name)}": org.tlsca.cert_pem,
    }
    if org.enable_node_ous:
        files["config.yaml"] = node_ou_config(f"cacerts/{cert_filename(org.ca_name)}",
                                              org.config_indent)
    return files


def local_msp(org: OrgMaterial, identity: IdentityMaterial) -> Files:
    """Files of an identity's ``msp/`` folder, relative to it (msp.go L42-131).

    ``keystore/priv_sk`` holds the key in clear, as Fabric needs it (csp.go L89).
    """
    files = {
        f"admincerts/{name}": pem for name, pem in _admincerts(org, identity).items()
    }
    files |= _ca_folders(org)
    files["keystore/priv_sk"] = identity.enrollment.key
    files[f"signcerts/{cert_filename(identity.common_name)}"] = identity.enrollment.cert_pem
    return files


def tls_folder(org: OrgMaterial, identity: IdentityMaterial) -> Files:
    """Files of an identity's ``tls/`` folder: ``ca.crt`` and the renamed pair (msp.go L159-178)."""
    prefix = "client" if identity.is_user else "server"
    return {
        "ca.crt": org.tlsca.cert_pem,
        f"{prefix}.crt": identity.tls.cert_pem,
        f"{prefix}.key": identity.tls.key,
    }


def verifying_msp(org: OrgMaterial) -> Files:
    """Files of the org's ``msp/`` (msp.go ``GenerateVerifyingMSP`` L183-249, after
    ``copyAdminCert``); this is configtxgen's ``MSPDir``."""
    files = {f"admincerts/{name}": pem for name, pem in _admincerts(org, None).items()}
    return files | _ca_folders(org)


def _ca_dir(pair: CertKey, name: str) -> Files:
    # ca.go NewCA: csp.GeneratePrivateKey writes priv_sk (csp.go L89), the cert <CN>-cert.pem.
    return {cert_filename(name): pair.cert_pem, "priv_sk": pair.key}


def _under(prefix: str, files: Files) -> Files:
    return {f"{prefix}/{path}": content for path, content in files.items()}


def org_files(org: OrgMaterial) -> Files:
    """Every file cryptogen writes for the org, relative to the ``crypto-config`` root."""
    base = org.crypto_dir
    files = _under(f"{base}/ca", _ca_dir(org.ca, org.ca_name))
    files |= _under(f"{base}/tlsca", _ca_dir(org.tlsca, org.tlsca_name))
    files |= _under(msp_dir(org), verifying_msp(org))
    for identity in (*org.nodes, *org.users):
        root = identity_dir(org, identity)
        files |= _under(f"{root}/msp", local_msp(org, identity))
        files |= _under(f"{root}/tls", tls_folder(org, identity))
    return files


def channel_files(org: OrgMaterial) -> Files:
    """What channel configs need of :func:`org_files`: the verifying MSP, the users' identities
    (the admins sign updates) and, of an orderer org, the nodes' (the consenters); not the
    peers' files, which are most of a large network's."""
    files = _under(msp_dir(org), verifying_msp(org))
    nodes = org.nodes if org.kind is NodeKind.ORDERER else ()
    for identity in (*nodes, *org.users):
        root = identity_dir(org, identity)
        files |= _under(f"{root}/msp", local_msp(org, identity))
        files |= _under(f"{root}/tls", tls_folder(org, identity))
    return files


def org_directories(org: OrgMaterial) -> list[str]:
    """Every directory cryptogen creates for the org, including empty ``admincerts``."""
    dirs = [f"{org.crypto_dir}/{d}" for d in ("ca", "tlsca")]
    dirs += [f"{org.crypto_dir}/msp/{d}" for d in VERIFYING_MSP_FOLDERS]
    for identity in (*org.nodes, *org.users):
        root = identity_dir(org, identity)
        dirs += [f"{root}/msp/{d}" for d in LOCAL_MSP_FOLDERS] + [f"{root}/tls"]
    return dirs
