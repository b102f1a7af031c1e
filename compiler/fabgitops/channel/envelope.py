"""Blocks and envelopes around a channel config, as configtxgen writes them.

- Genesis block: common/genesis/genesis.go ``factory.Block`` with protoutil's helpers
  (commonutils.go MakeChannelHeader, MakeSignatureHeader, SetTxID; blockutils.go NewBlock,
  ComputeBlockDataHash).
- Config update envelopes (``channel.tx``, anchor peer updates): protoutil/txutils.go
  ``CreateSignedEnvelope`` with a nil signer, which is what configtxgen passes
  (cmd/configtxgen/main.go doOutputChannelCreateTx, doOutputAnchorPeersUpdate). They are
  therefore unsigned: empty signature header, no nonce, no tx_id, no envelope signature, and no
  ConfigSignature. ``peer channel create`` / ``peer channel update`` sign them before sending.

Time and randomness are injected: ``timestamp`` is Unix seconds (Fabric zeroes the nanos) and
``nonce`` the 24 random bytes of protoutil.CreateNonce.
"""

from __future__ import annotations

import hashlib

from google.protobuf.message import DecodeError

from fabgitops.channel._pb import Proto, common, configtx, serialize

NONCE_SIZE = 24  # protoutil/commonutils.go getRandomNonce
GENESIS_MSG_VERSION = 1  # common/genesis/genesis.go msgVersion
UPDATE_MSG_VERSION = 0  # internal/configtxgen/encoder/encoder.go msgVersion
BLOCK_METADATA_ENTRIES = 5  # len(common.BlockMetadataIndex_name)


def tx_id(nonce: bytes, creator: bytes = b"") -> str:
    """protoutil.ComputeTxID: hex(SHA-256(nonce || creator))."""
    return hashlib.sha256(nonce + creator).hexdigest()


def _channel_header(header_type: int, version: int, channel_id: str, timestamp: int,
                    txid: str = "") -> Proto:
    header = common.ChannelHeader(type=header_type, version=version, channel_id=channel_id,
                                  epoch=0, tx_id=txid)
    header.timestamp.seconds = timestamp  # MakeChannelHeader sets Nanos = 0
    return header


def genesis_block(channel_id: str, channel_group: Proto, *, timestamp: int,
                  nonce: bytes) -> Proto:
    """Block 0 of a channel whose config is ``channel_group`` (genesis.go factory.Block).

    Raises:
        ValueError: the nonce is not 24 bytes.
    """
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"a nonce is {NONCE_SIZE} bytes, got {len(nonce)}")
    signature_header = common.SignatureHeader(nonce=nonce)  # no creator: nobody signs block 0
    channel_header = _channel_header(common.CONFIG, GENESIS_MSG_VERSION, channel_id, timestamp,
                                     tx_id(nonce))
    config = configtx.ConfigEnvelope(config=configtx.Config(channel_group=channel_group))
    payload = common.Payload(
        header=common.Header(channel_header=serialize(channel_header),
                             signature_header=serialize(signature_header)),
        data=serialize(config))
    envelope = common.Envelope(payload=serialize(payload))
    block = common.Block()
    block.header.number = 0
    block.data.data.append(serialize(envelope))
    block.header.data_hash = hashlib.sha256(b"".join(block.data.data)).digest()
    metadata = [b""] * BLOCK_METADATA_ENTRIES
    metadata[common.LAST_CONFIG] = serialize(common.Metadata(
        value=serialize(common.LastConfig(index=0))))
    metadata[common.SIGNATURES] = serialize(common.Metadata(value=serialize(
        common.OrdererBlockMetadata(last_config=common.LastConfig(index=0)))))
    block.metadata.metadata.extend(metadata)
    return block


def config_update_envelope(config_update: Proto, *, timestamp: int) -> Proto:
    """An unsigned CONFIG_UPDATE envelope for ``config_update`` (CreateSignedEnvelope, nil signer).

    The channel ID of the header is the update's own ``channel_id``.
    """
    channel_header = _channel_header(common.CONFIG_UPDATE, UPDATE_MSG_VERSION,
                                     config_update.channel_id, timestamp)
    data = configtx.ConfigUpdateEnvelope(config_update=serialize(config_update))
    payload = common.Payload(
        header=common.Header(channel_header=serialize(channel_header),
                             signature_header=serialize(common.SignatureHeader())),
        data=serialize(data))
    return common.Envelope(payload=serialize(payload))


def read_config_block(data: bytes) -> tuple[str, Proto] | None:
    """The channel ID and ``common.Config`` of a config block, or None if ``data`` is not one."""
    try:
        block = common.Block.FromString(data)
        if len(block.data.data) != 1:
            return None
        payload = common.Payload.FromString(common.Envelope.FromString(block.data.data[0]).payload)
        header = common.ChannelHeader.FromString(payload.header.channel_header)
        if header.type != common.CONFIG:
            return None
        return header.channel_id, configtx.ConfigEnvelope.FromString(payload.data).config
    except DecodeError:
        return None


def read_config_update(data: bytes) -> tuple[str, Proto] | None:
    """The channel ID and ``common.ConfigUpdate`` of a config update envelope, or None."""
    try:
        payload = common.Payload.FromString(common.Envelope.FromString(data).payload)
        header = common.ChannelHeader.FromString(payload.header.channel_header)
        if header.type != common.CONFIG_UPDATE:
            return None
        update_envelope = configtx.ConfigUpdateEnvelope.FromString(payload.data)
        return header.channel_id, configtx.ConfigUpdate.FromString(update_envelope.config_update)
    except DecodeError:
        return None
