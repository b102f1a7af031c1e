"""Channel artifacts: genesis blocks and config transactions built in-process, as configtxgen
builds them, plus a configtxlator-compatible decoder.

Public API:

- :func:`build_artifacts`: the stage (plan + crypto material + current tree ->
  :class:`ChannelArtifacts`, whose ``files()`` are ``channels/...``).
- :func:`inspect` / :func:`encode` / :func:`to_json`: ``configtxlator proto_decode`` and
  ``proto_encode`` for blocks and envelopes.
- :func:`validate_rule`: why configtxgen would reject a policy rule.
- the output paths, from :mod:`fabgitops.channel.paths`.

Names are loaded on first use (PEP 562 ``__getattr__``): validating a config imports the policy
rule parser from here, and must not pay for protobuf and the artifact builders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fabgitops.lazy import module_getattr

if TYPE_CHECKING:
    from fabgitops.channel.outputs import ChannelArtifacts, OrgArtifacts
    from fabgitops.channel.paths import (
        SYSTEM_CHANNEL_BLOCK,
        anchors_tx_path,
        channel_dir,
        channel_tx_path,
        genesis_block_path,
        readable_path,
    )
    from fabgitops.channel.policy_dsl import PolicyRuleError, validate_rule
    from fabgitops.channel.protolator import ArtifactDecodeError, encode, inspect, to_json
    from fabgitops.channel.stage import build_artifacts
    from fabgitops.layout import CHANNELS_DIR
    from fabgitops.ports import Clock, RandomBytes

_HOME = {
    **dict.fromkeys(("ChannelArtifacts", "OrgArtifacts"), "fabgitops.channel.outputs"),
    **dict.fromkeys(("SYSTEM_CHANNEL_BLOCK", "anchors_tx_path", "channel_dir", "channel_tx_path",
                     "genesis_block_path", "readable_path"), "fabgitops.channel.paths"),
    **dict.fromkeys(("PolicyRuleError", "validate_rule"), "fabgitops.channel.policy_dsl"),
    **dict.fromkeys(("ArtifactDecodeError", "encode", "inspect", "to_json"),
                    "fabgitops.channel.protolator"),
    "build_artifacts": "fabgitops.channel.stage",
    "CHANNELS_DIR": "fabgitops.layout",
    **dict.fromkeys(("Clock", "RandomBytes"), "fabgitops.ports"),
}


__getattr__ = module_getattr(__name__, globals(), _HOME)


__all__ = [
    "CHANNELS_DIR",
    "SYSTEM_CHANNEL_BLOCK",
    "ArtifactDecodeError",
    "ChannelArtifacts",
    "Clock",
    "OrgArtifacts",
    "PolicyRuleError",
    "RandomBytes",
    "anchors_tx_path",
    "build_artifacts",
    "channel_dir",
    "channel_tx_path",
    "encode",
    "genesis_block_path",
    "inspect",
    "readable_path",
    "to_json",
    "validate_rule",
]
