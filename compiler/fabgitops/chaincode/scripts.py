"""The lifecycle Jobs' shell scripts (bash in the fabric-tools image: peer, jq).

Every script is idempotent: it asks the peer first and only acts on a difference, so a Job that
runs again (a re-sync, a retried pod, a recompile that changed nothing) does nothing. Blind
re-runs would fail: ``chaincode already successfully installed``, ``attempted to redefine
uncommitted sequence ... with unchanged content`` and, on 3.x, ``attempted to redefine the
current committed sequence`` (core/chaincode/lifecycle/lifecycle.go).

``run`` returns 0 when done, 1 to retry, 3 to give up at once (the channel is ahead of or too
far behind the compiled sequence: no retry can fix that). Retries back off from
``RETRY_DELAY`` seconds, doubling up to a minute.
"""

from __future__ import annotations

RETRY = """
delay="$RETRY_DELAY"
for attempt in $(seq 1 "$ATTEMPTS"); do
  run
  case $? in
    0) exit 0 ;;
    3) exit 1 ;;
  esac
  echo "attempt $attempt of $ATTEMPTS failed; retrying in ${delay}s"
  sleep "$delay"
  delay=$((delay * 2 > 60 ? 60 : delay * 2))
done
echo "giving up after $ATTEMPTS attempts"
exit 1
"""

INSTALL = """set -u
# 0: installed, 1: not installed, 2: the peer did not answer.
installed() {
  out=$(CORE_PEER_ADDRESS="$1" peer lifecycle chaincode queryinstalled -O json) || return 2
  printf '%s' "$out" | jq -e --arg id "$PACKAGE_ID" \\
    '[.installed_chaincodes[]? | select(.package_id == $id)] | length > 0' > /dev/null
}
run() {
  missing=""
  for peer in $PEERS; do
    installed "$peer"
    case $? in
      0) echo "$PACKAGE_ID is installed on $peer"; continue ;;
      1) if CORE_PEER_ADDRESS="$peer" peer lifecycle chaincode install "$PACKAGE"; then
           echo "installed $PACKAGE_ID on $peer"
           continue
         fi ;;
    esac
    missing="$missing $peer"
  done
  [ -z "$missing" ] && return 0
  echo "$ORG_MSPID: $PACKAGE_ID is not installed on peer(s):$missing"
  return 1
}
""" + RETRY

_DEFINITION = """
definition=(-C "$CHANNEL" -n "$NAME" -v "$VERSION" --sequence "$SEQUENCE")
if [ -n "$SIGNATURE_POLICY" ]; then definition+=(--signature-policy "$SIGNATURE_POLICY"); fi
if [ -n "$CHANNEL_CONFIG_POLICY" ]; then
  definition+=(--channel-config-policy "$CHANNEL_CONFIG_POLICY")
fi
if [ -n "$COLLECTIONS" ]; then definition+=(--collections-config "$COLLECTIONS"); fi
if [ "$INIT_REQUIRED" = true ]; then definition+=(--init-required); fi

# The committed sequence of chaincode $1 on the channel (0: never committed). It takes an
# argument because Kubernetes reads a one-word command substitution as a variable reference.
committed() {
  if ! out=$(peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$1" -O json \
      2> /tmp/querycommitted.err); then
    if grep -q "namespace $1 is not defined" /tmp/querycommitted.err; then
      echo 0
      return 0
    fi
    echo "querycommitted failed on $CORE_PEER_ADDRESS:" >&2
    cat /tmp/querycommitted.err >&2
    return 1
  fi
  printf '%s' "$out" | jq -r '.sequence // 0'
}

# 0: go on, 1: retry, 3: the channel's sequence cannot lead to this one.
in_order() {
  if [ "$1" -gt "$SEQUENCE" ]; then
    echo "$CHANNEL has $NAME sequence $1 committed, newer than this definition's $SEQUENCE:" \\
      "the compiled state (.fabgitops/state.json) is behind the channel"
    return 3
  fi
  if [ "$1" -lt $((SEQUENCE - 1)) ]; then
    echo "$CHANNEL has $NAME sequence $1 committed, but this definition is $SEQUENCE:" \\
      "sequence $((SEQUENCE - 1)) was compiled and never committed (Fabric commits" \\
      "committed+1 only); apply that output's Jobs first, or recompile"
    return 3
  fi
}
"""

APPROVE = "set -u\n" + _DEFINITION + """
approved() {
  out=$(peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$NAME" --sequence "$SEQUENCE" \\
    -O json 2>/dev/null) || return 1
  # A sequence is only ever compiled for one definition, so its number, version and this org's
  # package identify it.
  printf '%s' "$out" | jq -e --arg v "$VERSION" --arg id "$PACKAGE_ID" \\
    '.version == $v and .source.Type.LocalPackage.package_id == $id' > /dev/null
}
run() {
  current=$(committed "$NAME") || return 1
  in_order "$current" || return $?
  if approved; then
    echo "$ORG_MSPID has approved $NAME sequence $SEQUENCE on $CHANNEL"
    return 0
  fi
  for orderer in $ORDERERS; do
    if peer lifecycle chaincode approveformyorg -o "$orderer" --tls --cafile "$ORDERER_CA" \\
        "${definition[@]}" --package-id "$PACKAGE_ID"; then
      echo "$ORG_MSPID approved $NAME sequence $SEQUENCE on $CHANNEL"
      return 0
    fi
  done
  echo "$ORG_MSPID could not approve $NAME sequence $SEQUENCE on $CHANNEL through" \\
    "$CORE_PEER_ADDRESS and any orderer of: $ORDERERS"
  return 1
}
""" + RETRY

COMMIT = "set -u\n" + _DEFINITION + """
run() {
  current=$(committed "$NAME") || return 1
  if [ "$current" -eq "$SEQUENCE" ]; then
    echo "$NAME sequence $SEQUENCE is committed on $CHANNEL"
    return 0
  fi
  in_order "$current" || return $?
  readiness=$(peer lifecycle chaincode checkcommitreadiness "${definition[@]}" -O json) \\
    || return 1
  missing=$(printf '%s' "$readiness" | jq -r --arg orgs "$APPROVERS" \\
    '. as $r | [$orgs | split(" ")[] | select($r.approvals[.] != true)] | join(" ")') \\
    || return 1
  if [ -n "$missing" ]; then
    echo "waiting for $NAME sequence $SEQUENCE approvals on $CHANNEL from: $missing"
    return 1
  fi
  # Each targeted peer needs its own org's approval (scc.go): one peer of every approving org.
  targets=()
  for entry in $APPROVER_PEERS; do
    targets+=(--peerAddresses "${entry#*=}" --tlsRootCertFiles "$TLS_ROOTS/${entry%%=*}.pem")
  done
  for orderer in $ORDERERS; do
    if peer lifecycle chaincode commit -o "$orderer" --tls --cafile "$ORDERER_CA" \\
        "${definition[@]}" "${targets[@]}"; then
      echo "committed $NAME sequence $SEQUENCE on $CHANNEL"
      return 0
    fi
  done
  echo "could not commit $NAME sequence $SEQUENCE on $CHANNEL through the peers" \\
    "$APPROVER_PEERS and any orderer of: $ORDERERS"
  return 1
}
""" + RETRY
