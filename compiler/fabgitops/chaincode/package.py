"""Chaincode-as-a-service packages, byte for byte the same on every compile.

A CCaaS package is a tar.gz of exactly two regular files with bare names
(core/chaincode/persistence/chaincode_package.go): ``metadata.json``
(``{"label": ..., "type": "ccaas"}``) and ``code.tar.gz``, which holds ``connection.json``: where
the peer dials the chaincode server and how it checks its TLS certificate. The peer's
``ccaas_builder`` renders each string of connection.json as a Go template over
``CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG`` (ccaas_builder/cmd/build/main.go).

The package ID is ``<label>:<hex sha256 of the whole file>`` (persistence.go), so the bytes must
not depend on when or where they are built: entries sorted, mtime/uid/gid 0, no user or group
names, mode 0644, GNU format, and a gzip header with mtime 0 and no file name. The peer extracts
``code.tar.gz`` keeping each header's mode (core/container/externalbuilder/tar.go), hence 0644.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

METADATA = "metadata.json"
CODE = "code.tar.gz"
CONNECTION = "connection.json"
CCAAS = "ccaas"
# core/chaincode/persistence/chaincode_package.go: LabelRegexp.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
DIAL_TIMEOUT = "10s"
"""ccaas_builder only accepts a string duration (cmd/build/main.go)."""
_MODE = 0o644


class PackageError(ValueError):
    """Bytes that are not a CCaaS package Fabric would install."""


@dataclass(frozen=True)
class Connection:
    """What goes into ``connection.json`` (core/container/externalbuilder/instance.go)."""

    address: str
    """``host:port``, possibly a Go template such as ``{{.peername}}-cc:9999``."""
    root_cert: str | None = None
    """PEM of the CA that issued the chaincode server's certificate; None turns TLS off."""
    client_auth: bool = False
    """With TLS: the server checks the peer's client certificate. The pair itself is not in the
    package (the package is public): it is templated from the peer's builder config."""

    def document(self) -> dict[str, Any]:
        """The connection.json object."""
        out: dict[str, Any] = {"address": self.address, "dial_timeout": DIAL_TIMEOUT,
                               "tls_required": self.root_cert is not None}
        if self.root_cert is not None:
            out["root_cert"] = self.root_cert
            if self.client_auth:
                out |= {"client_auth_required": True, "client_cert": "{{.client_cert}}",
                        "client_key": "{{.client_key}}"}
        return out


@dataclass(frozen=True)
class Package:
    """A built package and its ID."""

    label: str
    data: bytes

    @property
    def digest(self) -> str:
        """Hex SHA-256 of the package file."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def package_id(self) -> str:
        """What ``peer lifecycle chaincode calculatepackageid`` prints."""
        return f"{self.label}:{self.digest}"

    @property
    def file_name(self) -> str:
        """Where the peer stores it (persistence.go): ``<label>.<hash>.tar.gz``."""
        return f"{self.label}.{self.digest}.tar.gz"


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, two-space indent, trailing newline: stable and readable."""
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def tar_gz(entries: Mapping[str, bytes]) -> bytes:
    """A reproducible tar.gz of regular files (sorted, zero times and owners, mode 0644)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name in sorted(entries):
            data = entries[name]
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, _MODE
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            archive.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    # filename="" keeps the name out of the header; mtime=0 keeps the clock out.
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as stream:
        stream.write(raw.getvalue())
    return out.getvalue()


def label_problem(label: str) -> str | None:
    """Why Fabric would refuse a package label, or None."""
    if LABEL.match(label):
        return None
    return (f"package label {label!r} must start with a letter or digit and contain only "
            "letters, digits and '_', '.', '+', '-' (Fabric's label rule)")


def build(label: str, connection: Connection) -> Package:
    """The CCaaS package for a label and a connection.

    Raises:
        PackageError: the label is not one Fabric accepts.
    """
    problem = label_problem(label)
    if problem:
        raise PackageError(problem)
    code = tar_gz({CONNECTION: canonical_json(connection.document())})
    metadata = canonical_json({"label": label, "type": CCAAS})
    return Package(label, tar_gz({CODE: code, METADATA: metadata}))


def _regular_files(data: bytes, what: str) -> dict[str, bytes]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            out: dict[str, bytes] = {}
            for member in archive.getmembers():
                if not member.isreg():
                    raise PackageError(f"{what}: entry {member.name!r} is not a regular file")
                stream = archive.extractfile(member)
                out[member.name] = stream.read() if stream else b""
            return out
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise PackageError(f"{what} is not a tar.gz archive: {exc}") from None


def contents(data: bytes) -> dict[str, bytes]:
    """Every file of a package, ``code.tar.gz``'s files as ``code.tar.gz/<name>``.

    Raises:
        PackageError: not a package as Fabric reads one (two regular files, valid metadata).
    """
    outer = _regular_files(data, "the package")
    if set(outer) != {METADATA, CODE}:
        raise PackageError(f"a chaincode package holds exactly {METADATA} and {CODE}; this one "
                           f"holds {', '.join(sorted(outer)) or 'nothing'}")
    try:
        metadata = json.loads(outer[METADATA])
    except ValueError as exc:
        raise PackageError(f"{METADATA} is not JSON: {exc}") from None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("label"), str):
        raise PackageError(f"{METADATA} has no label")
    problem = label_problem(metadata["label"])
    if problem:
        raise PackageError(problem)
    inner = _regular_files(outer[CODE], CODE)
    return {METADATA: outer[METADATA], CODE: outer[CODE],
            **{f"{CODE}/{name}": value for name, value in sorted(inner.items())}}


def package_id(data: bytes) -> str:
    """The package ID of package bytes, as the peer computes it.

    Raises:
        PackageError: not a package.
    """
    label = json.loads(contents(data)[METADATA])["label"]
    return f"{label}:{hashlib.sha256(data).hexdigest()}"
