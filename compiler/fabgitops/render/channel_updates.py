"""The Job that brings a running channel to the config in git, one update at a time.

A channel with updates (``channels/<ch>/updates/NNNN-*.tx``) gets, in the first orderer org's
namespace, a ConfigMap ``channel-<ch>-updates`` holding every update envelope (``NNNN.tx``) and
the config the channel must have at each sequence (``NNNN.pb``, ``0000.pb`` = genesis), and a Job
in the sync wave after the join Jobs (Argo CD), inside the orderer overlay that peer overlays
depend on (Flux). Its script, as the orderer org admin, repeatedly:

1. fetches the channel's current config block from a live orderer (``peer channel fetch
   config``; every orderer in turn) and decodes it with ``configtxlator``;
2. compares it with the config git expects at that sequence, both decoded by the same
   ``configtxlator`` and sorted by ``jq -S``: value bytes need not match (Go marshals maps in
   random order), the config must;
3. at the last sequence: done (exit 0). At an earlier one: submits the next envelope
   (``peer channel update``, which adds the submitter's signature; signers are deduplicated),
   waits for the sequence to move, and goes on. Anything else (a sequence beyond git's, or a
   config that differs from git's at that sequence) is drift: someone changed the channel
   outside git; the Job prints the difference and fails without submitting anything.

Re-running is always safe: an applied update is never submitted again.
"""

from __future__ import annotations

from collections.abc import Mapping

from fabgitops.channel.history import History, config_bytes
from fabgitops.plan import Org, Plan
from fabgitops.render.common import Labels, Manifest, env
from fabgitops.render.identity import projected
from fabgitops.render.jobs import (
    ADMIN,
    TLS_ROOTS_MOUNT,
    _peer_cli_env,
    admin_tls_volume,
    job,
    orderer_addresses,
)
from fabgitops.waves import Wave

UPDATES = "/var/hyperledger/updates"

APPLY_UPDATES = """set -u
fetch() {
  for orderer in $ORDERERS; do
    if peer channel fetch config /tmp/live.block -c "$CHANNEL" -o "$orderer" --tls \\
        --cafile "$ORDERER_CA" > /tmp/fetch.log 2>&1; then
      ORDERER=$orderer
      configtxlator proto_decode --input /tmp/live.block --type common.Block \\
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
  configtxlator proto_decode --input "$UPDATES/$(printf %04d "$1").pb" --type common.Config \\
    --output /tmp/expected-raw.json && jq -S . /tmp/expected-raw.json > /tmp/expected.json
}
run() {
  fetch || return 1
  seq=$(sequence)
  if [ "$seq" -gt "$LAST" ]; then
    echo "drift: $CHANNEL is at config sequence $seq but git has updates up to $LAST:" \\
      "the channel was changed outside git"
    return 3
  fi
  expected "$seq" || return 1
  if ! cmp -s /tmp/expected.json /tmp/live.json; then
    echo "drift: $CHANNEL at config sequence $seq is not the config git has for that" \\
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
  peer channel update -c "$CHANNEL" -f "$UPDATES/$next.tx" -o "$ORDERER" --tls \\
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
"""


def updates_config_map(channel: str) -> str:
    """The ConfigMap holding a channel's update envelopes and expected configs."""
    return f"channel-{channel}-updates"


def update_files(history: History) -> dict[str, bytes]:
    """``NNNN.pb`` (the config at sequence NNNN) and ``NNNN.tx`` (the update to it)."""
    files = {"0000.pb": config_bytes(history.genesis_config)}
    for item in history.updates:
        files[f"{item.number:04d}.pb"] = config_bytes(item.target)
        files[f"{item.number:04d}.tx"] = item.envelope
    return files


def apply_job(plan: Plan, org: Org, labels: Labels, admin_msp: Manifest, channel: str,
              files: Mapping[str, bytes], *, waiting: str | None = None) -> Manifest:
    """The Job that applies ``channel``'s updates, as the admin of orderer org ``org``.

    ``waiting``: what the next update still needs (other parties' signatures); the Job applies
    the updates before it, prints it and exits 0."""
    last = max(int(k[:4]) for k in files)
    environment = [*_peer_cli_env(org, str(org.nodes[0].address)),
                   env("CHANNEL", channel), env("LAST", str(last)), env("UPDATES", UPDATES),
                   env("ORDERERS", orderer_addresses(plan)),
                   env("ORDERER_CA", f"{TLS_ROOTS_MOUNT}/orderers.pem")]
    if waiting:
        environment.append(env("WAITING", waiting))
    volumes = [{**admin_msp, "name": "admin-msp"},
               projected("updates", [{"configMap": {
                   "name": updates_config_map(channel),
                   "items": [{"key": k, "path": k} for k in sorted(files)]}}]),
               admin_tls_volume(["ca.crt"], with_key=False),
               {"name": "tls-roots", "configMap": {"name": "tls-roots"}}]
    mounts = [{"name": "admin-msp", "mountPath": f"{ADMIN}/msp", "readOnly": True},
              {"name": "admin-tls", "mountPath": f"{ADMIN}/tls", "readOnly": True},
              {"name": "updates", "mountPath": UPDATES, "readOnly": True},
              {"name": "tls-roots", "mountPath": TLS_ROOTS_MOUNT, "readOnly": True}]
    return job(plan=plan, name=f"{channel}-update-{last:04d}", namespace=org.namespace,
               labels=labels, script=APPLY_UPDATES, environment=environment, volumes=volumes,
               mounts=mounts, inputs=[files[k] for k in sorted(files)],
               wave=Wave.CHANNEL_UPDATES)

