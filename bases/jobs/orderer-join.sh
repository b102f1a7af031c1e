# Hand-written base (bases/jobs): an orderer's channel join Job (participation API). Joins each
# of $CHANNELS with $BLOCKS/<channel>/genesis.block unless `osnadmin channel list` shows it
# (orderer/common/channelparticipation/restapi.go: 200 a member, 404 not, 201 joined).
# Env: ADMIN_ADDRESS (host:7053), ADMIN_TLS (the admin's TLS client pair), CHANNELS, BLOCKS.
. "${0%/*}/lib.sh"
osn() {
  osnadmin "$@" -o "$ADMIN_ADDRESS" --ca-file "$ADMIN_TLS/ca.crt" \
    --client-cert "$ADMIN_TLS/client.crt" --client-key "$ADMIN_TLS/client.key"
}
run() {
  for channel in $CHANNELS; do
    out=$(osn channel list --channelID "$channel") || return 1
    case "$out" in
      "Status: 200"*) echo "$ADMIN_ADDRESS is a member of $channel"; continue ;;
      "Status: 404"*) ;;
      *) echo "$out"; return 1 ;;
    esac
    block="$BLOCKS/$channel/genesis.block"
    out=$(osn channel join --channelID "$channel" --config-block "$block") || return 1
    echo "$out"
    case "$out" in "Status: 201"*|"Status: 405"*) ;; *) return 1 ;; esac
  done
}
retry run
