# Hand-written base (bases/jobs): an org's anchor peer update on system-channel networks, as
# the org admin: sends $BLOCKS/<channel>/anchors.tx to each of $CHANNELS unless the channel
# config has the org's AnchorPeers already.
# Env: CORE_PEER_*, ORG_NAME, CHANNELS, BLOCKS, ORDERERS, ORDERER_CA.
. "${0%/*}/lib.sh"
# The org's AnchorPeers value in the channel config (configtxlator's JSON of a config block).
ANCHORS='.data.data[0].payload.data.config.channel_group.groups.Application.groups[$org].values.AnchorPeers.value.anchor_peers | length > 0'
anchored() {
  peer channel fetch config /tmp/config.block -c "$1" -o "$2" --tls --cafile "$ORDERER_CA" \
    || return 2
  configtxlator proto_decode --input /tmp/config.block --type common.Block \
    --output /tmp/config.json || return 2
  jq -e --arg org "$ORG_NAME" "$ANCHORS" /tmp/config.json > /dev/null
}
run() {
  for channel in $CHANNELS; do
    channel_block "$channel" || return 1
    ok=no
    for orderer in $ORDERERS; do
      anchored "$channel" "$orderer"
      case $? in
        0) echo "anchor peers of $ORG_NAME are set on $channel"; ok=yes; break ;;
        1) peer channel update -c "$channel" -f "$BLOCKS/$channel/anchors.tx" -o "$orderer" \
             --tls --cafile "$ORDERER_CA" && { ok=yes; break; } ;;
      esac
    done
    [ "$ok" = yes ] || return 1
  done
}
retry run
