"""An organization's verifying MSP, read from crypto material exactly as configtxgen reads MSPDir.

configtxgen calls ``msp.GetVerifyingMspConfig(MSPDir, ID, "bccsp")`` (encoder.go
``NewOrdererOrgGroup`` / ``NewApplicationOrgGroup``), which is ``getMspConfig`` in
msp/configbuilder.go. The material here is a mapping of cryptogen-layout relative paths to bytes,
so "a directory" is the set of keys directly below a prefix.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from fabgitops import yamlio
from fabgitops.channel._pb import Proto, msp_config, serialize
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.value import SecretValue, unrevealed

# msp/configbuilder.go constants (cacerts, admincerts, ...).
CACERTS = "cacerts"
ADMINCERTS = "admincerts"
INTERMEDIATECERTS = "intermediatecerts"
CRLS = "crls"
TLSCACERTS = "tlscacerts"
TLSINTERMEDIATECERTS = "tlsintermediatecerts"
CONFIG_FILE = "config.yaml"

# configbuilder.go getMspConfig: bccsp.SHA2 / bccsp.SHA256.
SIGNATURE_HASH_FAMILY = "SHA2"
IDENTITY_HASH_FUNCTION = "SHA256"
FABRIC_MSP_TYPE = 0  # msp.FABRIC; 1 would be IDEMIX

_NODE_OUS = (
    ("ClientOUIdentifier", "client_ou_identifier"),
    ("PeerOUIdentifier", "peer_ou_identifier"),
    ("AdminOUIdentifier", "admin_ou_identifier"),
    ("OrdererOUIdentifier", "orderer_ou_identifier"),
)


def _is_pem(content: bytes) -> bool:
    # readPemFile keeps a file only if pem.Decode finds a block in it, and keeps the whole file.
    start = content.find(b"-----BEGIN ")
    return start >= 0 and content.find(b"-----END ", start) > start


class MaterialFiles(Mapping[str, bytes]):
    """Crypto material files with a directory index, so that listing a directory does not scan
    every file of the network (that made channel building quadratic in the number of orgs)."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._files = files
        self._children: dict[str, list[str]] = {}
        for path in files:
            directory, _, name = path.rpartition("/")
            self._children.setdefault(directory, []).append(name)

    def __getitem__(self, path: str) -> bytes:
        return self._files[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def unrevealed(self, path: str) -> SecretValue | None:
        """The file at ``path`` without decrypting it (a key stays a keystore secret)."""
        return unrevealed(self._files, path)

    def children(self, directory: str) -> list[str]:
        """Names of the files directly in ``directory``."""
        return self._children.get(directory.rstrip("/"), [])


def pem_files(material: Mapping[str, bytes], directory: str) -> list[bytes] | None:
    """The PEM files directly in ``directory``, in ``os.ReadDir`` order (sorted by name).

    Returns None when the directory has no file at all (Go: the directory does not exist);
    non-PEM files are skipped, as getPemMaterialFromDir does with a warning.
    """
    prefix = directory.rstrip("/") + "/"
    if not isinstance(material, MaterialFiles):
        material = MaterialFiles(material)
    names = sorted(material.children(directory))
    if not names:
        return None
    return [material[prefix + n] for n in names if _is_pem(material[prefix + n])]


def msp_config_value(material: Mapping[str, bytes], msp_dir: str, msp_id: str) -> Proto:
    """The ``msp.MSPConfig`` configtxgen writes for the MSP in ``msp_dir``.

    Raises:
        EnvironmentProblem: the MSP has no CA certificate or an unreadable config.yaml.
    """
    root_certs = pem_files(material, f"{msp_dir}/{CACERTS}")
    if not root_certs:
        raise EnvironmentProblem(f"no CA certificate found in {msp_dir}/{CACERTS}: the crypto "
                                 "material of this organization is missing")
    tls_root_certs = pem_files(material, f"{msp_dir}/{TLSCACERTS}") or []
    # TLS intermediates are read only when there are TLS roots (getMspConfig L232-247).
    tls_intermediates = (pem_files(material, f"{msp_dir}/{TLSINTERMEDIATECERTS}") or []
                         if tls_root_certs else [])
    fabric = msp_config.FabricMSPConfig(
        name=msp_id,
        root_certs=root_certs,
        intermediate_certs=pem_files(material, f"{msp_dir}/{INTERMEDIATECERTS}") or [],
        admins=pem_files(material, f"{msp_dir}/{ADMINCERTS}") or [],
        revocation_list=pem_files(material, f"{msp_dir}/{CRLS}") or [],
        tls_root_certs=tls_root_certs,
        tls_intermediate_certs=tls_intermediates,
    )
    fabric.crypto_config.signature_hash_family = SIGNATURE_HASH_FAMILY
    fabric.crypto_config.identity_identifier_hash_function = IDENTITY_HASH_FUNCTION
    config_path = f"{msp_dir}/{CONFIG_FILE}"
    if config_path in material:
        _apply_config_file(fabric, material, msp_dir, material[config_path])
    return msp_config.MSPConfig(type=FABRIC_MSP_TYPE, config=serialize(fabric))


def _apply_config_file(fabric: Any, material: Mapping[str, bytes], msp_dir: str,
                       raw: bytes) -> None:
    try:
        data = yamlio.load_plain(raw.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EnvironmentProblem(f"failed unmarshalling configuration file at "
                                 f"[{msp_dir}/{CONFIG_FILE}]: {exc}") from None
    if not isinstance(data, dict):
        raise EnvironmentProblem(f"{msp_dir}/{CONFIG_FILE} is not a mapping")
    for entry in data.get("OrganizationalUnitIdentifiers") or []:
        # Unlike NodeOUs, a missing OU certificate is an error here (getMspConfig L280-285).
        path = _join(msp_dir, str(entry.get("Certificate", "")))
        if path not in material:
            raise EnvironmentProblem(f"failed loading OrganizationalUnit certificate at [{path}]")
        fabric.organizational_unit_identifiers.add(
            certificate=material[path],
            organizational_unit_identifier=str(entry.get("OrganizationalUnitIdentifier", "")))
    node_ous = data.get("NodeOUs")
    if not isinstance(node_ous, dict) or node_ous.get("Enable") is not True:
        return
    fabric.fabric_node_ous.enable = True
    for yaml_key, field in _NODE_OUS:
        spec = node_ous.get(yaml_key)
        # An identifier is written only when it names an OU (getMspConfig L300-315).
        if not isinstance(spec, dict) or not spec.get("OrganizationalUnitIdentifier"):
            continue
        identifier = getattr(fabric.fabric_node_ous, field)
        identifier.organizational_unit_identifier = str(spec["OrganizationalUnitIdentifier"])
        certificate = spec.get("Certificate")
        # loadCertificateAt: a missing file only logs a warning and leaves the certificate out.
        if certificate and _join(msp_dir, str(certificate)) in material:
            identifier.certificate = material[_join(msp_dir, str(certificate))]


def _join(msp_dir: str, relative: str) -> str:
    # filepath.Join cleans the result ("./cacerts/x" and "cacerts//x" both work in Go).
    return posixpath.normpath(posixpath.join(msp_dir, relative))
