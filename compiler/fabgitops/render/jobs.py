"""Channel bootstrap Jobs: join every orderer and peer to its channels, idempotently.

One Job per node, in the node's directory, so that adding a node adds its Job and touches no
other file:

- participation networks (etcdraft, BFT): an orderer's Job runs ``osnadmin channel join`` with
  each channel's genesis block, skipping channels ``osnadmin channel list`` shows already
  (test-network scripts/orderer.sh; orderer/common/channelparticipation/restapi.go: 200 on a
  member, 404 otherwise, 201 on a join); a peer's Job runs ``peer channel join -b`` with the
  same block, skipping channels ``peer channel list`` shows.
- system-channel networks (kafka, solo; Fabric 2.5): a peer's Job fetches block 0 of each
  channel from an orderer, creates the channel from ``channel.tx`` if no orderer has it yet
  (the first org to try wins, the others fetch), then joins. One Job per org sets its anchor
  peers with ``<MSPID>anchors.tx`` unless the channel config has them already.

Every Job retries in a bounded loop (the nodes may not be up yet), then fails and is retried by
``backoffLimit``; it carries only the admin material its commands need. Its name ends in a hash
of its content and inputs: a changed Job is a new object (Jobs are immutable) and the old one is
pruned by Argo CD or Flux.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

from fabgitops import yamlio
from fabgitops.plan import Node, Org, Plan
from fabgitops.render.common import (
    Labels,
    Manifest,
    env,
    metadata,
    pod_security,
    restricted,
    short_hash,
)
from fabgitops.render.identity import projected
from fabgitops.waves import Wave

BLOCKS = "/var/hyperledger/channels"
ADMIN = "/etc/hyperledger/admin"
TLS_ROOTS_MOUNT = "/etc/hyperledger/tls-roots"
"""Where Jobs mount the ``tls-roots`` ConfigMap."""
ATTEMPTS = "30"
"""Attempts per pod, 10 s apart; ``backoffLimit`` more pods follow with growing back-off."""
BACKOFF_LIMIT = 4
MAX_NAME = 63
"""Job names end up in the ``job-name`` label of their pods: at most 63 characters."""

_RETRY = """
for attempt in $(seq 1 "$ATTEMPTS"); do
  if run; then exit 0; fi
  echo "attempt $attempt of $ATTEMPTS failed; retrying in 10s"
  sleep 10
done
exit 1
"""

ORDERER_JOIN = """set -u
osn() {
  osnadmin "$@" -o "$ADMIN_ADDRESS" --ca-file "$ADMIN_TLS/ca.crt" \\
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
""" + _RETRY

PEER_JOIN = """set -u
run() {
  joined=$(peer channel list) || return 1
  for channel in $CHANNELS; do
    if printf '%s\\n' "$joined" | grep -qx "$channel"; then
      echo "$CORE_PEER_ADDRESS has joined $channel"
      continue
    fi
    peer channel join -b "$BLOCKS/$channel/genesis.block" || return 1
  done
}
""" + _RETRY

_FETCH_OR_CREATE = """
block() {
  for orderer in $ORDERERS; do
    peer channel fetch 0 "/tmp/$1.block" -c "$1" -o "$orderer" --tls --cafile "$ORDERER_CA" \\
      && return 0
  done
  for orderer in $ORDERERS; do
    peer channel create -c "$1" -f "$BLOCKS/$1/channel.tx" -o "$orderer" --tls \\
      --cafile "$ORDERER_CA" --outputBlock "/tmp/$1.block" && return 0
  done
  return 1
}
"""

PEER_JOIN_SYSTEM_CHANNEL = "set -u\n" + _FETCH_OR_CREATE + """
run() {
  joined=$(peer channel list) || return 1
  for channel in $CHANNELS; do
    if printf '%s\\n' "$joined" | grep -qx "$channel"; then
      echo "$CORE_PEER_ADDRESS has joined $channel"
      continue
    fi
    block "$channel" || return 1
    peer channel join -b "/tmp/$channel.block" || return 1
  done
}
""" + _RETRY

_ANCHORS_FILTER = (".data.data[0].payload.data.config.channel_group.groups.Application"
                   ".groups[$org].values.AnchorPeers.value.anchor_peers | length > 0")
ANCHOR_PEERS = "set -u\n" + _FETCH_OR_CREATE + """
# The org's AnchorPeers value in the channel config (configtxlator's JSON of a config block).
ANCHORS='""" + _ANCHORS_FILTER + """'
anchored() {
  peer channel fetch config /tmp/config.block -c "$1" -o "$2" --tls --cafile "$ORDERER_CA" \\
    || return 2
  configtxlator proto_decode --input /tmp/config.block --type common.Block \\
    --output /tmp/config.json || return 2
  jq -e --arg org "$ORG_NAME" "$ANCHORS" /tmp/config.json > /dev/null
}
run() {
  for channel in $CHANNELS; do
    block "$channel" || return 1
    ok=no
    for orderer in $ORDERERS; do
      anchored "$channel" "$orderer"
      case $? in
        0) echo "anchor peers of $ORG_NAME are set on $channel"; ok=yes; break ;;
        1) peer channel update -c "$channel" -f "$BLOCKS/$channel/anchors.tx" -o "$orderer" \\
             --tls --cafile "$ORDERER_CA" && { ok=yes; break; } ;;
      esac
    done
    [ "$ok" = yes ] || return 1
  done
}
""" + _RETRY


def channel_config_map(channel: str) -> str:
    """The ConfigMap holding a channel's artifacts in an org's namespace."""
    return f"channel-{channel}"


def channels_volume(channels: Mapping[str, Sequence[str]]) -> Manifest:
    """A projected volume ``<channel>/<file>`` over the channel ConfigMaps."""
    return projected("channels", [
        {"configMap": {"name": channel_config_map(name),
                       "items": [{"key": key, "path": f"{name}/{key}"} for key in keys]}}
        for name, keys in sorted(channels.items())
    ])


def admin_tls_volume(files: Sequence[str], with_key: bool) -> Manifest:
    """The org admin's TLS folder, reduced to what a Job needs."""
    sources: list[Manifest] = [{"configMap": {"name": "admin-tls", "items": [
        {"key": f, "path": f} for f in files]}}]
    if with_key:
        sources.append({"secret": {"name": "admin-keys",
                                   "items": [{"key": "tls.key", "path": "client.key"}]}})
    return projected("admin-tls", sources)


def orderer_addresses(plan: Plan) -> str:
    """Every orderer's address, space-separated: in-cluster, or the external endpoint when
    nodes dial across clusters (``Node.channel_address``)."""
    return " ".join(str(node.channel_address) for _, node in plan.orderers())


def job(
    *,
    plan: Plan,
    name: str,
    namespace: str,
    labels: Labels,
    script: str,
    environment: Sequence[Manifest],
    volumes: Sequence[Manifest],
    mounts: Sequence[Manifest],
    inputs: Sequence[bytes],
    wave: Wave = Wave.CHANNEL_JOBS,
) -> Manifest:
    """A bootstrap Job named ``<name>-<hash>`` (hash of the Job and of ``inputs``, the bytes of
    the ConfigMaps it reads)."""
    spec: Manifest = {
        "backoffLimit": BACKOFF_LIMIT,
        "template": {
            "metadata": {"labels": labels.all()},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "securityContext": pod_security(),
                "containers": [{
                    "name": "channel",
                    "image": plan.images["tools"],
                    "command": ["bash", "-c", script],
                    "env": [env("HOME", "/tmp"), env("ATTEMPTS", ATTEMPTS),
                            env("BLOCKS", BLOCKS), *environment],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                  "limits": {"memory": "256Mi"}},
                    "securityContext": restricted(),
                    "volumeMounts": [*mounts, {"name": "tmp", "mountPath": "/tmp"}],
                }],
                "volumes": [*volumes, {"name": "tmp", "emptyDir": {}}],
            },
        },
    }
    digest = short_hash(yamlio.dump(spec).encode(), *inputs)
    prefix = name[:MAX_NAME - len(digest) - 1].rstrip("-")
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": metadata(f"{prefix}-{digest}", namespace, labels, wave),
            "spec": spec}


def orderer_join(plan: Plan, org: Org, node: Node, labels: Labels,
                 blocks: Mapping[str, bytes]) -> Manifest:
    """The Job that joins one orderer to every channel (participation API, mutual TLS with
    the org admin's TLS client pair; the admin endpoint trusts the org's TLS CA)."""
    return job(
        plan=plan, name=f"{node.hostname}-join", namespace=org.namespace, labels=labels,
        script=ORDERER_JOIN,
        environment=[env("ADMIN_ADDRESS", f"{node.address.host}:7053"),
                     env("ADMIN_TLS", f"{ADMIN}/tls"), env("CHANNELS", " ".join(sorted(blocks)))],
        volumes=[admin_tls_volume(["client.crt", "ca.crt"], with_key=True),
                 channels_volume({c: ["genesis.block"] for c in blocks})],
        mounts=[{"name": "admin-tls", "mountPath": f"{ADMIN}/tls", "readOnly": True},
                {"name": "channels", "mountPath": BLOCKS, "readOnly": True}],
        inputs=[blocks[c] for c in sorted(blocks)],
    )


def _peer_cli_env(org: Org, address: str) -> list[Manifest]:
    return [env("CORE_PEER_LOCALMSPID", org.msp_id),
            env("CORE_PEER_MSPCONFIGPATH", f"{ADMIN}/msp"),
            env("CORE_PEER_TLS_ENABLED", "true"),
            env("CORE_PEER_TLS_ROOTCERT_FILE", f"{ADMIN}/tls/ca.crt"),
            env("CORE_PEER_ADDRESS", address)]


def _peer_volumes(admin_msp: Manifest, channels: Mapping[str, Sequence[str]],
                  tls_roots: bool) -> tuple[list[Manifest], list[Manifest]]:
    volumes = [{**admin_msp, "name": "admin-msp"}, admin_tls_volume(["ca.crt"], with_key=False),
               channels_volume(channels)]
    mounts = [{"name": "admin-msp", "mountPath": f"{ADMIN}/msp", "readOnly": True},
              {"name": "admin-tls", "mountPath": f"{ADMIN}/tls", "readOnly": True},
              {"name": "channels", "mountPath": BLOCKS, "readOnly": True}]
    if tls_roots:
        volumes.append({"name": "tls-roots", "configMap": {"name": "tls-roots"}})
        mounts.append({"name": "tls-roots", "mountPath": TLS_ROOTS_MOUNT, "readOnly": True})
    return volumes, mounts


def peer_join(plan: Plan, org: Org, node: Node, labels: Labels, admin_msp: Manifest,
              artifacts: Mapping[str, Mapping[str, bytes]]) -> Manifest:
    """The Job that joins one peer to its org's channels, as the org admin.

    Args:
        plan: the network.
        org: the peer's org.
        node: the peer.
        labels: labels of the Job.
        admin_msp: the admin's projected MSP volume (``IdentityObjects.msp_volume``).
        artifacts: per channel, the files of its ConfigMap the Job reads (``genesis.block``,
            or ``channel.tx`` on system-channel networks).
    """
    system = plan.consensus.uses_system_channel
    environment = [*_peer_cli_env(org, str(node.address)),
                   env("CHANNELS", " ".join(sorted(artifacts)))]
    if system:
        environment += [env("ORDERERS", orderer_addresses(plan)),
                        env("ORDERER_CA", f"{TLS_ROOTS_MOUNT}/orderers.pem")]
    volumes, mounts = _peer_volumes(admin_msp, {c: list(f) for c, f in artifacts.items()}, system)
    return job(
        plan=plan, name=f"{node.hostname}-join", namespace=org.namespace, labels=labels,
        script=PEER_JOIN_SYSTEM_CHANNEL if system else PEER_JOIN, environment=environment,
        volumes=volumes, mounts=mounts,
        inputs=[content for c in sorted(artifacts) for _, content in sorted(artifacts[c].items())],
    )


def anchor_peers(plan: Plan, org: Org, labels: Labels, admin_msp: Manifest,
                 artifacts: Mapping[str, Mapping[str, bytes]]) -> Manifest:
    """The Job that sets an org's anchor peers on each channel (system-channel networks)."""
    environment = [*_peer_cli_env(org, str(org.node(org.anchor_peers[0]).address)),
                   env("ORG_NAME", org.name), env("CHANNELS", " ".join(sorted(artifacts))),
                   env("ORDERERS", orderer_addresses(plan)),
                   env("ORDERER_CA", f"{TLS_ROOTS_MOUNT}/orderers.pem")]
    volumes, mounts = _peer_volumes(admin_msp, {c: list(f) for c, f in artifacts.items()}, True)
    return job(
        plan=plan, name="anchor-peers", namespace=org.namespace, labels=labels,
        script=ANCHOR_PEERS, environment=environment, volumes=volumes, mounts=mounts,
        inputs=[content for c in sorted(artifacts) for _, content in sorted(artifacts[c].items())],
    )


def binary_data(files: Mapping[str, bytes]) -> dict[str, str]:
    """ConfigMap ``binaryData`` (standard base64) of artifact files."""
    return {key: base64.b64encode(value).decode() for key, value in sorted(files.items())}
