# Hand-written base (bases/jobs): a peer's channel join Job, as the org admin. Joins each of
# $CHANNELS unless `peer channel list` shows it, with $BLOCKS/<channel>/genesis.block
# (participation networks) or, on system-channel networks ($ORDERERS set), with block 0
# fetched from an orderer or created from the channel's creation transaction.
# Env: CORE_PEER_* (the admin and the peer's address), CHANNELS, BLOCKS[, ORDERERS, ORDERER_CA].
. "${0%/*}/lib.sh"
run() {
  joined=$(peer channel list) || return 1
  for channel in $CHANNELS; do
    if printf '%s\n' "$joined" | grep -qx "$channel"; then
      echo "$CORE_PEER_ADDRESS has joined $channel"
      continue
    fi
    if [ -n "${ORDERERS:-}" ]; then
      channel_block "$channel" || return 1
      peer channel join -b "/tmp/$channel.block" || return 1
    else
      peer channel join -b "$BLOCKS/$channel/genesis.block" || return 1
    fi
  done
}
retry run
