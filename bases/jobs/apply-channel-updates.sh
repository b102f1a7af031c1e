# Hand-written base (bases/jobs): the Job that applies a channel's config updates in order,
# as an orderer org admin (see render/channel_updates.py in the fabgitops sources). Exit 0: the
# channel has every update in git; 3: drift (changed outside git), nothing submitted.
# Env: CORE_PEER_*, CHANNEL, LAST, UPDATES, ORDERERS, ORDERER_CA[, WAITING].
set -u
fetch() {
  for orderer in $ORDERERS; do
    if peer channel fetch config /tmp/live.block -c "$CHANNEL" -o "$orderer" --tls \
        --cafile "$ORDERER_CA" > /tmp/fetch.log 2>&1; then
      ORDERER=$orderer
      configtxlator proto_decode --input /tmp/live.block --type common.Block \
        --output /tmp/live-block.json || return 1
      jq -S '.data.data[0].payload.data.config' /tmp/live-block.json > /tmp/live.json
      return
    fi
  done
  cat /tmp/fetch.log
  return 1
}
sequence() { jq -r '.sequence' /tmp/live.json; }
expected() {
  configtxlator proto_decode --input "$UPDATES/$(printf %04d "$1").pb" --type common.Config \
    --output /tmp/expected-raw.json && jq -S . /tmp/expected-raw.json > /tmp/expected.json
}
run() {
  fetch || return 1
  seq=$(sequence)
  if [ "$seq" -gt "$LAST" ]; then
    echo "drift: $CHANNEL is at config sequence $seq but git has updates up to $LAST:" \
      "the channel was changed outside git"
    return 3
  fi
  expected "$seq" || return 1
  if ! cmp -s /tmp/expected.json /tmp/live.json; then
    echo "drift: $CHANNEL at config sequence $seq is not the config git has for that" \
      "sequence: the channel was changed outside git (- git, + live):"
    diff -u /tmp/expected.json /tmp/live.json | head -n 80
    return 3
  fi
  if [ "$seq" -eq "$LAST" ]; then
    echo "$CHANNEL is at config sequence $seq: every update in git is applied"
    [ -z "${WAITING:-}" ] || echo "$WAITING"
    return 0
  fi
  next=$(printf %04d $((seq + 1)))
  echo "$CHANNEL is at config sequence $seq: submitting update $next"
  peer channel update -c "$CHANNEL" -f "$UPDATES/$next.tx" -o "$ORDERER" --tls \
    --cafile "$ORDERER_CA" || return 1
  for wait in $(seq 1 30); do
    sleep 1
    fetch && [ "$(sequence)" -gt "$seq" ] && return 2
  done
  return 1
}
attempt=1
while [ "$attempt" -le "$ATTEMPTS" ]; do
  run
  case $? in
    0) exit 0 ;;
    2) continue ;;
    3) exit 3 ;;
  esac
  echo "attempt $attempt of $ATTEMPTS failed; retrying in 10s"
  attempt=$((attempt + 1))
  sleep 10
done
exit 1
