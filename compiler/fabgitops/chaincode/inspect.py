"""``fabgitops inspect <package>.tar.gz``: what a chaincode package holds, as the peer sees it."""

from __future__ import annotations

import hashlib
import json

from fabgitops.chaincode.package import CODE, CONNECTION, METADATA, PackageError, contents
from fabgitops.errors import EnvironmentProblem

_GZIP_MAGIC = b"\x1f\x8b"


class PackageUnreadable(EnvironmentProblem):
    """A .tar.gz that is not a chaincode package Fabric would install."""


def is_package(data: bytes) -> bool:
    """Whether the bytes are gzip (blocks and envelopes are protobuf, never gzip)."""
    return data.startswith(_GZIP_MAGIC)


def describe_package(data: bytes) -> str:
    """The package ID, every file with its size, then metadata.json and connection.json.

    Raises:
        PackageUnreadable: not a chaincode package.
    """
    try:
        files = contents(data)
    except PackageError as exc:
        raise PackageUnreadable(f"not a chaincode package: {exc}") from None
    label = json.loads(files[METADATA])["label"]
    lines = [f"package ID: {label}:{hashlib.sha256(data).hexdigest()}", "files:"]
    lines += [f"  {name}  ({len(content)} bytes)" for name, content in files.items()]
    lines += [f"{METADATA}:", files[METADATA].decode().rstrip()]
    connection = files.get(f"{CODE}/{CONNECTION}")
    if connection is not None:
        lines += [f"{CODE}/{CONNECTION}:", connection.decode(errors="replace").rstrip()]
    return "\n".join(lines) + "\n"
