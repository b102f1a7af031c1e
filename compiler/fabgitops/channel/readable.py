"""The readable YAML beside each binary channel artifact.

A block or envelope is opaque in a pull request; its YAML twin is the decoded config (protolator's
tree, see ``protolator``) with certificates shown as PEM text, so that a changed batch timeout or
a new org is a readable line diff. Nonce, timestamp and tx_id are left out: they are not config.
The YAML is a view, generated from the very bytes written beside it, and is never read back.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fabgitops import yamlio
from fabgitops.channel.envelope import read_config_block, read_config_update
from fabgitops.channel.protolator import ArtifactDecodeError, to_tree
from fabgitops.tree import generated_yaml

_PEM_START = b"-----BEGIN "


def _pem_as_text(node: Any) -> Any:
    """Replace base64 strings holding PEM files by the PEM text."""
    if isinstance(node, dict):
        return {k: _pem_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_pem_as_text(v) for v in node]
    if isinstance(node, str) and len(node) >= 16 and len(node) % 4 == 0:
        try:
            raw = base64.b64decode(node, validate=True)
        except binascii.Error:
            return node
        if raw.startswith(_PEM_START):
            try:
                return raw.decode("ascii")
            except UnicodeDecodeError:
                return node
    return node


def readable(artifact: str, data: bytes) -> dict[str, Any]:
    """The decoded config of a config block or config update envelope, for humans.

    Raises:
        ArtifactDecodeError: ``data`` is neither a config block nor a config update.
    """
    block = read_config_block(data)
    if block is not None:
        channel_id, config = block
        return {"artifact": artifact, "channel_id": channel_id, "kind": "config block",
                "config": _pem_as_text(to_tree(config))}
    envelope = read_config_update(data)
    if envelope is not None:
        channel_id, config_update = envelope
        return {"artifact": artifact, "channel_id": channel_id, "kind": "config update",
                "config_update": _pem_as_text(to_tree(config_update))}
    raise ArtifactDecodeError(f"{artifact} is neither a config block nor a config update")


def readable_yaml(artifact: str, data: bytes) -> bytes:
    """The generated YAML file for an artifact named ``artifact`` with content ``data``."""
    return generated_yaml(yamlio.dump(readable(artifact, data)))
