"""Where the channel stage writes its artifacts in the output tree.

Every binary artifact has a readable YAML twin beside it (``readable_path``), so a pull request
that changes a channel shows the change as text.
"""

from __future__ import annotations

import posixpath

from fabgitops.layout import CHANNELS_DIR
from fabgitops.plan import SYSTEM_CHANNEL

GENESIS_BLOCK = "genesis.block"
GENESIS_CONFIG = "config.yaml"
CHANNEL_TX = "channel.tx"
ANCHORS_SUFFIX = "anchors.tx"


def channel_dir(channel: str) -> str:
    """``channels/<channel>``: every artifact of one channel."""
    return f"{CHANNELS_DIR}/{channel}"


def genesis_block_path(channel: str) -> str:
    """The channel's genesis block (``channels/<channel>/genesis.block``)."""
    return f"{channel_dir(channel)}/{GENESIS_BLOCK}"


SYSTEM_CHANNEL_BLOCK = genesis_block_path(SYSTEM_CHANNEL)
"""The orderer system channel genesis block (kafka and solo networks)."""


def channel_tx_path(channel: str) -> str:
    """The channel creation transaction of a system-channel network."""
    return f"{channel_dir(channel)}/{CHANNEL_TX}"


def anchors_tx_path(channel: str, msp_id: str) -> str:
    """The anchor peer update of one org (``<MSPID>anchors.tx``, as fabric-samples names it)."""
    return f"{channel_dir(channel)}/{msp_id}{ANCHORS_SUFFIX}"


def readable_path(artifact: str) -> str:
    """The YAML beside an artifact: ``config.yaml`` for a genesis block, ``<name>.yaml`` else."""
    directory, name = posixpath.split(artifact)
    if name == GENESIS_BLOCK:
        return posixpath.join(directory, GENESIS_CONFIG)
    return posixpath.join(directory, posixpath.splitext(name)[0] + ".yaml")


UPDATES_DIR = "updates"


def updates_dir(channel: str) -> str:
    """``channels/<channel>/updates``: the channel's config updates since its genesis block."""
    return f"{channel_dir(channel)}/{UPDATES_DIR}"


def update_path(channel: str, number: int, slug: str) -> str:
    """``channels/<channel>/updates/NNNN-<slug>.tx``: one signed config update envelope."""
    return f"{updates_dir(channel)}/{number:04d}-{slug}.tx"


def config_yaml_path(channel: str) -> str:
    """``channels/<channel>/config.yaml``: the channel config after its last update."""
    return f"{channel_dir(channel)}/{GENESIS_CONFIG}"
