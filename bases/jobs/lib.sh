# Hand-written base (bases/jobs): functions every channel Job script sources, never run alone.
set -u

# retry FUNCTION: call it up to $ATTEMPTS times, 10 s apart (the nodes may not be up yet);
# exit 0 on its first success, 1 when every attempt failed (backoffLimit then starts a new pod).
retry() {
  for attempt in $(seq 1 "$ATTEMPTS"); do
    if "$1"; then exit 0; fi
    echo "attempt $attempt of $ATTEMPTS failed; retrying in 10s"
    sleep 10
  done
  exit 1
}

# channel_block CHANNEL (system-channel networks): block 0 of CHANNEL at /tmp/CHANNEL.block,
# fetched from an orderer, or created from $BLOCKS/CHANNEL/channel.tx if no orderer has the
# channel yet (the first org to try wins, the others fetch).
channel_block() {
  for orderer in $ORDERERS; do
    peer channel fetch 0 "/tmp/$1.block" -c "$1" -o "$orderer" --tls --cafile "$ORDERER_CA" \
      && return 0
  done
  for orderer in $ORDERERS; do
    peer channel create -c "$1" -f "$BLOCKS/$1/channel.tx" -o "$orderer" --tls \
      --cafile "$ORDERER_CA" --outputBlock "/tmp/$1.block" && return 0
  done
  return 1
}
