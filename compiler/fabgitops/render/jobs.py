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

The scripts live once, in the hand-written base ``bases/jobs``: its configMapGenerator makes the
ConfigMap ``job-scripts-<content hash>`` in every org namespace that runs Jobs (through the
overlay directory ``job-scripts/``), and each Job runs ``bash <mount>/<script>`` from it.
Kustomize renames the Jobs' reference along with the ConfigMap, and every Job name hashes the
scripts too: a changed script is a new ConfigMap and new Jobs. To add a Job script: put the file
in ``bases/jobs`` and in its generator's ``files``, then call :func:`job` with its file name.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

from fabgitops import yamlio
from fabgitops.kustomize import kustomization
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
from fabgitops.shipped_bases import job_scripts
from fabgitops.tree import manifest_file
from fabgitops.waves import Wave

BLOCKS = "/var/hyperledger/channels"
ADMIN = "/etc/hyperledger/admin"
TLS_ROOTS_MOUNT = "/etc/hyperledger/tls-roots"
"""Where Jobs mount the ``tls-roots`` ConfigMap."""
ATTEMPTS = "30"
"""Attempts per pod, 10 s apart; ``backoffLimit`` more pods follow with growing back-off."""
BACKOFF_LIMIT = 4
SCRIPTS = "job-scripts"
"""The scripts' ConfigMap (before Kustomize's hash suffix) and its overlay directory."""
SCRIPTS_MOUNT = "/etc/hyperledger/scripts"
SCRIPTS_BASE = "bases/jobs"
MAX_NAME = 63
"""Job names end up in the ``job-name`` label of their pods: at most 63 characters."""

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
    """A Job named ``<name>-<hash>`` that runs ``script`` (a file of ``bases/jobs``).

    The hash covers the Job, every script of the base (the ConfigMap name Kustomize gives
    them) and ``inputs``, the bytes of the ConfigMaps the Job reads.
    """
    scripts = job_scripts()
    if f"{SCRIPTS_BASE}/{script}" not in scripts:
        raise ValueError(f"{script} is not a script of {SCRIPTS_BASE}")
    return tools_job(
        plan=plan, name=name, namespace=namespace, labels=labels, wave=wave,
        container="channel", command=["bash", f"{SCRIPTS_MOUNT}/{script}"], attempts=ATTEMPTS,
        environment=[env("BLOCKS", BLOCKS), *environment],
        volumes=[*volumes, {"name": "scripts", "configMap": {"name": SCRIPTS}}],
        mounts=[*mounts, {"name": "scripts", "mountPath": SCRIPTS_MOUNT, "readOnly": True}],
        inputs=[*scripts.values(), *inputs],
    )


def tools_job(
    *,
    plan: Plan,
    name: str,
    namespace: str,
    labels: Labels,
    wave: Wave,
    container: str,
    command: Sequence[str],
    attempts: str,
    environment: Sequence[Manifest],
    volumes: Sequence[Manifest],
    mounts: Sequence[Manifest],
    inputs: Sequence[bytes],
) -> Manifest:
    """A Job of the fabric-tools image named ``<name>-<hash>``: restricted, non-root, a
    writable ``/tmp``, ``ATTEMPTS`` tries. The hash covers the pod spec and ``inputs`` (what
    the Job reads besides its spec), so a Job whose work changes is a new Job."""
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
                    "name": container,
                    "image": plan.images["tools"],
                    "command": list(command),
                    "env": [env("HOME", "/tmp"), env("ATTEMPTS", attempts), *environment],
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
        script="orderer-join.sh",
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
        script="peer-join.sh", environment=environment,
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
        script="anchor-peers.sh", environment=environment, volumes=volumes, mounts=mounts,
        inputs=[content for c in sorted(artifacts) for _, content in sorted(artifacts[c].items())],
    )


def scripts_directory(labels: Mapping[str, str]) -> dict[str, bytes]:
    """The files of ``overlays/<namespace>/job-scripts/``: the base ``bases/jobs`` with the
    org's labels (``org``, ``app.kubernetes.io/part-of``) on its ConfigMap."""
    document = kustomization([f"../../../{SCRIPTS_BASE}"], labels=[{"pairs": dict(labels)}])
    return {"kustomization.yaml": manifest_file(document)}


def binary_data(files: Mapping[str, bytes]) -> dict[str, str]:
    """ConfigMap ``binaryData`` (standard base64) of artifact files."""
    return {key: base64.b64encode(value).decode() for key, value in sorted(files.items())}
