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

from cryptography import x509

from fabgitops import yamlio
from fabgitops.channel._pb import common
from fabgitops.channel.authorize import Signer, evaluate, needed_by, requirements
from fabgitops.channel.changes import describe
from fabgitops.channel.configmap import delta
from fabgitops.channel.envelope import read_config_block, read_config_update
from fabgitops.channel.history import History, Update
from fabgitops.channel.paths import GENESIS_BLOCK, UPDATES_DIR
from fabgitops.channel.protolator import ArtifactDecodeError, to_tree
from fabgitops.channel.signing import signatures
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


def config_yaml(past: History) -> bytes:
    """``channels/<ch>/config.yaml``: the config after the last update (the genesis config's
    YAML while there is none)."""
    if not past.updates:
        return readable_yaml(GENESIS_BLOCK, past.genesis)
    last = past.updates[-1]
    return generated_yaml(yamlio.dump({
        "artifact": f"{GENESIS_BLOCK} + {UPDATES_DIR}/0001..{last.number:04d}",
        "channel_id": past.channel, "kind": f"config after {last.path.rsplit('/', 1)[-1]}",
        "config": _pem_as_text(to_tree(last.target))}))


def update_yaml(channel: str, item: Update) -> bytes:
    """The YAML beside an update: what changes, who signed and which policy each one meets."""
    signed = [Signer(msp, _common_name(cert), cert) for msp, cert in signatures(
        common.Payload.FromString(common.Envelope.FromString(item.envelope).payload).data)]
    root = item.base.channel_group
    needed = requirements(delta(item.base, item.config_update), item.base)
    policies = [{"element": r.element, "policy": r.policy, "rule": r.rule,
                 "satisfied_by": [s.msp_id for s in needed_by(root, r.policy, signed)]
                 if evaluate(root, r.policy, signed) else "NOT SATISFIED"}
                for r in sorted(set(needed), key=lambda r: r.element)]
    return generated_yaml(yamlio.dump({
        "artifact": item.path.rsplit("/", 1)[-1], "channel_id": channel, "kind": "config update",
        "sequence": f"{item.base.sequence} -> {item.target.sequence}",
        "changes": describe(item.base, item.target),
        "signers": [{"msp_id": s.msp_id, "identity": s.name,
                     "satisfies": sorted(p["policy"] for p in policies
                                         if s.msp_id in p["satisfied_by"])} for s in signed],
        "policies": policies,
        "config_update": _pem_as_text(to_tree(item.config_update))}))


def _common_name(cert_pem: bytes) -> str:
    try:
        names = x509.load_pem_x509_certificate(cert_pem).subject.get_attributes_for_oid(
            x509.NameOID.COMMON_NAME)
    except ValueError:
        return "?"
    return str(names[0].value) if names else "?"
