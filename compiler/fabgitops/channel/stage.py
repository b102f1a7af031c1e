"""The channel artifacts stage: plan + crypto material -> blocks, envelopes and their YAML.

Which artifacts exist follows the consensus type:

- etcdraft and BFT (channel participation, Fabric 2.5 and 3.x): one application channel genesis
  block per channel, which every orderer joins (osnadmin) and every peer joins; anchor peers are
  in it.
- kafka and solo (Fabric 2.5, system channel): the system channel genesis block the orderers
  boot from, and per channel the creation transaction and one anchor peer update per org that
  has anchor peers (the legacy ``peer channel create`` / ``peer channel update`` flow).

Blocks carry a random nonce and a timestamp, so building twice never gives the same bytes. The
stage therefore decodes the artifact already in the output tree and keeps its bytes when it
encodes the same config (compared decoded, not as bytes); only a changed config gets a new
artifact, and a recompile without changes produces no diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC

from fabgitops import summary
from fabgitops.channel import artifacts, profile
from fabgitops.channel._pb import Proto, serialize
from fabgitops.channel.authorize import Signer
from fabgitops.channel.envelope import (
    NONCE_SIZE,
    config_update_envelope,
    genesis_block,
    read_config_block,
    read_config_update,
)
from fabgitops.channel.history import History, Refused, next_update, read_history, with_update
from fabgitops.channel.msp import MaterialFiles
from fabgitops.channel.outputs import ChannelArtifacts
from fabgitops.channel.paths import (
    SYSTEM_CHANNEL_BLOCK,
    anchors_tx_path,
    channel_tx_path,
    config_yaml_path,
    genesis_block_path,
    readable_path,
)
from fabgitops.channel.protolator import to_tree
from fabgitops.channel.readable import config_yaml, readable_yaml, update_yaml
from fabgitops.channel.signing import KeyedSigner
from fabgitops.crypto.msp import identity_files
from fabgitops.errors import ConfigInvalid
from fabgitops.keystore.value import unrevealed
from fabgitops.plan import SYSTEM_CHANNEL, Plan
from fabgitops.ports import Clock, RandomBytes


def build_artifacts(plan: Plan, material_files: Mapping[str, bytes],
                    current: Mapping[str, bytes], *, clock: Clock,
                    rng: RandomBytes) -> ChannelArtifacts:
    """Every channel artifact of the network, with a readable YAML beside each one.

    Args:
        plan: the network.
        material_files: crypto material in cryptogen's layout (``peerOrganizations/<domain>/msp/
            cacerts/...``), exactly what configtxgen would read from each MSPDir.
        current: the current output tree; artifacts whose config is unchanged are kept as is.
        clock: the time written into new blocks and envelopes.
        rng: randomness for the nonce of new blocks.

    Returns:
        The artifacts by what they are, and the files under ``channels/`` (see
        ``fabgitops.channel.paths``).

    Raises:
        EnvironmentProblem: crypto material that a channel needs is missing.
        ProfileRejected: configtxgen would reject the profile; validation refuses every
            configuration that leads here, so this is a bug.
    """
    builder = _Builder(current, clock, rng)
    material_files = MaterialFiles(material_files)
    if plan.consensus.uses_system_channel:
        system = profile.system_channel(plan, material_files)
        builder.block(SYSTEM_CHANNEL_BLOCK, SYSTEM_CHANNEL,
                      artifacts.genesis_config(system, material_files))
        for channel in plan.channels:
            creation = profile.channel_creation(plan, channel)
            builder.result.creation_txs[channel.name] = builder.envelope(
                channel_tx_path(channel.name),
                artifacts.channel_create_update(channel.name, creation, material_files))
            members = creation.application.organizations if creation.application else ()
            for org in members:
                if org.anchor_peers:
                    update = artifacts.anchor_peers_update(channel.name, creation, org.name,
                                                           material_files)
                    builder.result.anchor_updates[(channel.name, org.msp_id)] = \
                        builder.envelope(anchors_tx_path(channel.name, org.msp_id), update)
    else:
        signers = admin_signers(plan, material_files)
        previous = (summary.load_state(current.get(summary.STATE)) or {}).get("fabric")
        version = plan.fabric_version.value
        for channel in plan.channels:
            app = profile.application_channel(plan, channel, material_files)
            desired = artifacts.genesis_config(app, material_files)
            past = read_history(channel.name, current)
            if past is None:
                builder.block(genesis_block_path(channel.name), channel.name, desired)
                continue
            try:
                builder.history(past, desired.channel_group, signers,
                                partial=any(o.external for o in plan.orgs), version=version,
                                binaries_changing=previous not in (None, version))
            except Refused as exc:
                # Not a validation rule: it depends on the channel's history in the output.
                raise ConfigInvalid([channel.source.issue(
                    f"channel {channel.name}: Fabric would reject the config update this "
                    f"change needs: {exc}")]) from None
    return builder.result


def admin_signers(plan: Plan, material: Mapping[str, bytes]) -> list[KeyedSigner]:
    """Every org admin with a key, orderer orgs first: who can sign channel updates."""
    out = []
    for org in plan.orgs:
        if org.external:  # another party holds its admin key
            continue
        name = org.admin.common_name
        files = identity_files(org, org.admin)
        cert = material.get(files.signcert)
        key = unrevealed(material, files.msp_key)  # decrypted only if it signs
        if cert is not None and key is not None:
            out.append(KeyedSigner(Signer(org.msp_id, name, cert), key))
    return out


class _Builder:
    """Collects artifacts, reusing the current bytes of those whose config is unchanged."""

    def __init__(self, current: Mapping[str, bytes], clock: Clock, rng: RandomBytes) -> None:
        self.current = current
        self.clock = clock
        self.rng = rng
        self.result = ChannelArtifacts()
        self.files = self.result.written

    def _timestamp(self) -> int:
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return int(now.timestamp())

    def _add(self, path: str, data: bytes) -> bytes:
        self.files[path] = data
        self.files[readable_path(path)] = readable_yaml(path.rsplit("/", 1)[-1], data)
        return data

    def block(self, path: str, channel_id: str, config: Proto) -> None:
        self.result.genesis_blocks[channel_id] = self._block(path, channel_id, config)

    def _block(self, path: str, channel_id: str, config: Proto) -> bytes:
        existing = self.current.get(path)
        if existing is not None:
            decoded = read_config_block(existing)
            if decoded is not None and decoded[0] == channel_id and _same(decoded[1], config):
                return self._add(path, existing)
        block = genesis_block(channel_id, config.channel_group, timestamp=self._timestamp(),
                              nonce=self.rng(NONCE_SIZE))
        return self._add(path, serialize(block))

    def history(self, past: History, desired: Proto, signers: list[KeyedSigner], *,
                partial: bool = False, version: str = "",
                binaries_changing: bool = False) -> None:
        """Keep the genesis block and the updates; add one if ``desired`` differs."""
        self.files[genesis_block_path(past.channel)] = past.genesis
        self.result.genesis_blocks[past.channel] = past.genesis
        added = next_update(past, desired, signers, timestamp=self._timestamp(), rng=self.rng,
                            partial=partial, fabric_version=version,
                            binaries_changing=binaries_changing)
        if added is not None:
            past = with_update(past, added)
        for item in past.updates:
            self.files[item.path] = item.envelope
            self.files[readable_path(item.path)] = update_yaml(past.channel, item)
        self.files[config_yaml_path(past.channel)] = config_yaml(past)
        self.result.histories[past.channel] = past

    def envelope(self, path: str, config_update: Proto) -> bytes:
        existing = self.current.get(path)
        if existing is not None:
            decoded = read_config_update(existing)
            if (decoded is not None and decoded[0] == config_update.channel_id
                    and _same(decoded[1], config_update)):
                return self._add(path, existing)
        envelope = config_update_envelope(config_update, timestamp=self._timestamp())
        return self._add(path, serialize(envelope))


def _same(old: Proto, new: Proto) -> bool:
    # Compare fully decoded trees: embedded messages may be serialized in another map order
    # (e.g. by configtxgen) and still be the same config.
    return to_tree(old) == to_tree(new)
