"""The channel stage's result: which artifact is which, and the files that hold them.

Render reads artifacts through these accessors instead of probing ``channels/...`` paths, so
which artifacts exist is decided once, by the channel stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fabgitops.channel.history import History
from fabgitops.channel.paths import ANCHORS_SUFFIX, CHANNEL_TX, GENESIS_BLOCK
from fabgitops.plan import SYSTEM_CHANNEL, NodeKind, Org
from fabgitops.tree import FileTree

OrgArtifacts = Mapping[str, Mapping[str, bytes]]
"""Per channel, the artifacts an org's nodes and Jobs read, by file name (``genesis.block``,
``channel.tx``, ``anchors.tx``)."""


@dataclass(frozen=True)
class ChannelArtifacts:
    """Blocks and envelopes by what they are, plus every file the stage writes."""

    genesis_blocks: dict[str, bytes] = field(default_factory=dict)
    """By channel ID; the system channel's too in kafka and solo networks."""
    creation_txs: dict[str, bytes] = field(default_factory=dict)
    """By channel: the creation transaction of a system-channel network."""
    anchor_updates: dict[tuple[str, str], bytes] = field(default_factory=dict)
    """By (channel, MSP ID): an org's anchor peer update in a system-channel network."""
    histories: dict[str, History] = field(default_factory=dict)
    """By channel: the genesis config and the updates since (participation networks whose
    channel existed before this compile)."""
    written: FileTree = field(default_factory=dict)
    """Every file under ``channels/``: the artifacts, their readable YAML, channel updates."""

    def files(self) -> FileTree:
        """The files to write (``channels/...``)."""
        return dict(self.written)

    @property
    def uses_system_channel(self) -> bool:
        """Whether the network boots from a system channel (kafka, solo)."""
        return SYSTEM_CHANNEL in self.genesis_blocks

    def for_org(self, org: Org) -> OrgArtifacts:
        """The artifacts an org's namespace holds.

        Participation networks: each channel's genesis block (orderers and peers join with
        it). System-channel networks: the system channel block for orderer orgs; the creation
        transaction and the org's anchor peer update for peer orgs.

        Raises:
            KeyError: the stage did not produce an artifact the plan needs (a bug).
        """
        if not self.uses_system_channel:
            return {c: {GENESIS_BLOCK: self.genesis_blocks[c]} for c in org.channels}
        if org.kind is NodeKind.ORDERER:
            return {SYSTEM_CHANNEL: {GENESIS_BLOCK: self.genesis_blocks[SYSTEM_CHANNEL]}}
        out: dict[str, dict[str, bytes]] = {}
        for channel in org.channels:
            out[channel] = {CHANNEL_TX: self.creation_txs[channel]}
            if org.anchor_peers:
                out[channel][ANCHORS_SUFFIX] = self.anchor_updates[(channel, org.msp_id)]
        return out
