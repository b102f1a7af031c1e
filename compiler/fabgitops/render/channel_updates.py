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
               labels=labels, script="apply-channel-updates.sh", environment=environment,
               volumes=volumes, mounts=mounts, inputs=[files[k] for k in sorted(files)],
               wave=Wave.CHANNEL_UPDATES)

