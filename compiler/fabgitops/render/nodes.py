"""Per-node overlay directories: ``overlays/<namespace>/<host>/`` for peers, orderers and CAs.

A node directory references its base and gives it the node's identity: JSON 6902 patches rename
the base's StatefulSet and Service to the host name (Kustomize then also updates the
StatefulSet's ``serviceName``), ``labels`` add the per-node selector label, and one strategic
merge patch sets the node's environment and points the projected volumes at the node's own
ConfigMaps and Secret. Those names are patched explicitly rather than left to Kustomize's name
references, because in sealed mode the Secret is a SealedSecret that Kustomize does not know.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fabgitops.keystore.credentials import couchdb_credential
from fabgitops.keystore.value import SecretValue
from fabgitops.kustomize import json_patch, kustomization
from fabgitops.model import Component, FabricVersion, StateDatabase
from fabgitops.monitoring import operations
from fabgitops.placement.exposure import cluster_exposure
from fabgitops.plan import SYSTEM_CHANNEL, Node, Org, Plan
from fabgitops.render import jobs
from fabgitops.render.common import (
    Labels,
    Manifest,
    base_ref,
    env,
    node_labels,
    rename,
    resources_override,
    restricted,
    secret_env,
)
from fabgitops.render.context import Collector, RenderInputs
from fabgitops.render.exposure import exposure
from fabgitops.render.identity import IdentityObjects, identity_objects, secret_annotations
from fabgitops.seal import PlainSecret
from fabgitops.tree import manifest_file
from fabgitops.waves import Wave

STATEFULSET_PATCH = "statefulset-patch.yaml"
GENESIS_DIR = "/var/hyperledger/orderer/genesis"
KEYS_FILE = "keys.yaml"
JOB_FILE = "join-job.yaml"
COUCHDB_USER = b"admin"
BUILDER_CONFIG_KEY = "ccaas-builder-config"


@dataclass
class NodeDir:
    """What goes into one node directory before it is written."""

    org: Org
    name: str
    """Directory and object name (the host name)."""
    base: str
    """``peer``, ``orderer`` or ``ca``: the base directory and the base objects' name."""
    labels: Labels
    identity: IdentityObjects
    secret_data: dict[str, SecretValue]
    containers: list[Manifest]
    volumes: list[Manifest] = field(default_factory=list)
    init_containers: list[Manifest] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    manifests: dict[str, Manifest] = field(default_factory=dict)
    """Extra files of the directory (job, exposure) by file name."""
    operations_tls: bool = False
    """Serve the operations endpoint over TLS (with Monitoring: see monitoring.operations)."""


def write_node_dir(out: Collector, node: NodeDir) -> str:
    """Write a node directory and return its name (a resource of the org kustomization)."""
    namespace = node.org.namespace
    root = f"overlays/{namespace}/{node.name}"
    owner = f"{node.base} {node.name} of org {node.org.name}"
    for kind in ("directory", "StatefulSet", "Service"):
        out.claim(namespace, kind, node.name, owner)
    spec: Manifest = {"containers": node.containers,
                      "volumes": [node.identity.msp_volume, node.identity.tls_volume,
                                  *node.volumes]}
    if node.init_containers:
        spec["initContainers"] = node.init_containers
    template: Manifest = {"spec": spec}
    if node.operations_tls:
        template["metadata"] = {"annotations": operations.secure(node.base, node.containers[0])}
    patch = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": node.base},
             "spec": {"template": template}}
    files: dict[str, Manifest] = {"msp.yaml": node.identity.msp, "tls.yaml": node.identity.tls,
                                  STATEFULSET_PATCH: patch, **node.manifests}
    for manifest in (node.identity.msp, node.identity.tls, *node.manifests.values()):
        out.claim(namespace, manifest["kind"], manifest["metadata"]["name"], owner)
    out.secret(PlainSecret(path=f"{root}/{KEYS_FILE}", name=f"{node.name}-keys",
                           namespace=namespace, labels=node.labels.all(),
                           annotations=secret_annotations(), data=node.secret_data))
    resources = [base_ref(node.base), "msp.yaml", "tls.yaml", KEYS_FILE,
                 *sorted(n for n in node.manifests)]
    patches = [{"path": STATEFULSET_PATCH, "target": {"kind": "StatefulSet", "name": node.base}}]
    renamed = node.name != node.base  # a CA called "ca" keeps the base's names
    rename_ops = [{"op": "replace", "path": "/metadata/name", "value": node.name},
                  # Kustomize would follow the Service's rename itself, but only while one
                  # node is built: two renamed siblings make it ambiguous.
                  {"op": "replace", "path": "/spec/serviceName", "value": node.name}]
    if renamed:
        patches.append(json_patch("StatefulSet", node.base, rename_ops))
    if renamed:
        patches.append(rename("Service", node.base, node.name))
    document = kustomization(resources, components=node.components,
                             labels=node_labels(node.labels), patches=patches)
    out.file(f"{root}/kustomization.yaml", manifest_file(document))
    for name, manifest in files.items():
        out.file(f"{root}/{name}", manifest_file(manifest))
    return node.name


def _container(name: str, environment: Sequence[Manifest], override: Manifest | None,
               ) -> Manifest:
    container: Manifest = {"name": name, "env": list(environment)}
    if override:
        container["resources"] = override
    return container


def _node_identity(ctx: RenderInputs, org: Org, node: Node, labels: Labels) -> IdentityObjects:
    identity = node.identity
    return identity_objects(
        prefix=node.hostname, namespace=org.namespace, labels=labels,
        local_msp=ctx.material.local_msp(org, identity),
        material=ctx.material.identity(org, identity), tls_ca=ctx.material.tls_ca(org),
        what=f"{identity.common_name} of org {org.name}")


def _exposed(ctx: RenderInputs, org: Org, node: Node, labels: Labels, wave: Wave,
             port_name: str) -> dict[str, Manifest]:
    port = node.address.port
    placed = cluster_exposure(ctx.plan, org, node, labels, wave, port_name)
    if placed is not None:  # the node's cluster publishes it under its ExternalDomain
        return placed
    return exposure(ctx.plan, host=node.hostname, namespace=org.namespace, labels=labels,
                    wave=wave, port_name=port_name, port=port,
                    node_port=node.node_ports.get(port),
                    external_host=node.external.host if node.external else None)


def peer_dir(ctx: RenderInputs, out: Collector, org: Org, node: Node, admin_msp: Manifest | None,
             channels: Mapping[str, Mapping[str, bytes]]) -> str:
    """The directory of one peer (plus CouchDB when the org uses it)."""
    plan = ctx.plan
    labels = ctx.labels(org, "peer", "fabric-peer", node.hostname, "peer-id")
    identity = _node_identity(ctx, org, node, labels)
    others = [str(n.address) for n in org.nodes if n.hostname != node.hostname]
    external = node.external or node.address
    environment = [
        env("CORE_PEER_ID", node.identity.common_name),
        env("CORE_PEER_ADDRESS", str(node.address)),
        env("CORE_PEER_CHAINCODEADDRESS", f"{node.address.host}:7052"),
        # Same-org peers only (core.yaml L98-101); a lone peer names itself, which gossip skips.
        env("CORE_PEER_GOSSIP_BOOTSTRAP", " ".join(others) or str(node.address)),
        # Without it other orgs never learn of the peer (core.yaml L182-184).
        env("CORE_PEER_GOSSIP_EXTERNALENDPOINT", str(external)),
        env("CORE_PEER_LOCALMSPID", org.msp_id),
    ]
    secret = f"{node.hostname}-keys"
    data = dict(identity.secret_data)
    environment.append(_builder_config(ctx, org, node, secret, data))
    containers = []
    components = []
    if org.state_database is StateDatabase.COUCHDB:
        components.append(base_ref("couchdb"))
        environment += [
            secret_env("CORE_LEDGER_STATE_COUCHDBCONFIG_USERNAME", secret, "couchdb-username"),
            secret_env("CORE_LEDGER_STATE_COUCHDBCONFIG_PASSWORD", secret, "couchdb-password")]
        containers.append(_container("couchdb", [
            secret_env("COUCHDB_USER", secret, "couchdb-username"),
            secret_env("COUCHDB_PASSWORD", secret, "couchdb-password")],
            resources_override(plan, Component.COUCHDB)))
        data["couchdb-username"] = COUCHDB_USER
        data["couchdb-password"] = ctx.credential(couchdb_credential(org.domain, node.hostname))
    containers.insert(0, _container("peer", environment, resources_override(plan, Component.PEER)))
    manifests = _exposed(ctx, org, node, labels, Wave.PEER, "grpc")
    if admin_msp is not None and channels:
        manifests[JOB_FILE] = jobs.peer_join(
            plan, org, node, ctx.labels(org, "job", "fabric-tools", node.hostname, "peer-id"),
            admin_msp, channels)
    return write_node_dir(out, NodeDir(
        org=org, name=node.hostname, base="peer", labels=labels, identity=identity,
        secret_data=data, containers=containers,
        components=components, manifests=manifests,
        operations_tls=plan.monitoring is not None))


def _builder_config(ctx: RenderInputs, org: Org, node: Node, secret: str,
                    data: dict[str, SecretValue]) -> Manifest:
    """``CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG``: the values ccaas_builder renders into a
    package's connection.json. ``peername`` always; the peer's TLS pair too when a chaincode
    server of the org checks client certificates (the package names them as templates, so no
    private key is ever in a package), and then the whole value comes from the node's Secret."""
    config = {"peername": node.hostname}
    if org.name not in ctx.chaincode_client_auth:
        return env("CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG", json.dumps(config,
                                                                       separators=(",", ":")))
    tls = ctx.material.identity(org, node.identity).tls
    config |= {"client_cert": tls.cert_pem.decode(), "client_key": tls.key_pem.decode()}
    data[BUILDER_CONFIG_KEY] = json.dumps(config, sort_keys=True).encode()
    # The base sets a literal value; a strategic merge keeps it next to valueFrom (which the API
    # server refuses) unless the patch deletes it.
    return {**secret_env("CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG", secret, BUILDER_CONFIG_KEY),
            "value": None}


def orderer_dir(ctx: RenderInputs, out: Collector, org: Org, node: Node,
                blocks: Mapping[str, bytes]) -> str:
    """The directory of one orderer: a participation-API node (etcdraft, BFT), or a node that
    boots from the system channel genesis block (kafka, solo)."""
    plan = ctx.plan
    labels = ctx.labels(org, "orderer", "fabric-orderer", node.hostname, "orderer-id")
    identity = _node_identity(ctx, org, node, labels)
    volumes: list[Manifest] = []
    init: list[Manifest] = []
    manifests = _exposed(ctx, org, node, labels, Wave.ORDERER, "grpc")
    container = _container("orderer", [env("ORDERER_GENERAL_LOCALMSPID", org.msp_id)],
                           resources_override(plan, Component.ORDERER))
    if plan.consensus.uses_system_channel:
        _system_channel_boot(plan, container, volumes, init)
    else:
        if plan.fabric_version is FabricVersion.V2_5:
            # 2.3-2.5 still default to a system channel (orderer.yaml BootstrapMethod: file);
            # 3.x has no such setting.
            container["env"].append(env("ORDERER_GENERAL_BOOTSTRAPMETHOD", "none"))
        if blocks:
            manifests[JOB_FILE] = jobs.orderer_join(
                plan, org, node,
                ctx.labels(org, "job", "fabric-tools", node.hostname, "orderer-id"), blocks)
    return write_node_dir(out, NodeDir(
        org=org, name=node.hostname, base="orderer", labels=labels, identity=identity,
        secret_data=dict(identity.secret_data), containers=[container],
        volumes=volumes, init_containers=init, manifests=manifests,
        operations_tls=plan.monitoring is not None))


# Ordered startup without fixed sleeps: the orderer starts once enough brokers accept
# connections to create its channel topics (replication factor 3), bounded; the pod restarts with
# back-off if they never do.
WAIT_FOR_KAFKA = """for attempt in $(seq 1 120); do
  up=0
  for broker in ${KAFKA_BROKERS//,/ }; do
    timeout 5 bash -c "exec 3<>/dev/tcp/${broker%:*}/${broker##*:}" 2>/dev/null && up=$((up + 1))
  done
  if [ "$up" -ge "$NEEDED" ]; then echo "$up Kafka brokers are up"; exit 0; fi
  echo "$up of $NEEDED Kafka brokers are up (attempt $attempt)"
  sleep 5
done
exit 1
"""


def _system_channel_boot(plan: Plan, container: Manifest, volumes: list[Manifest],
                         init: list[Manifest]) -> None:
    """Boot from the system channel genesis block (ConfigMap ``channel-system-channel``)."""
    container["env"] += [
        env("ORDERER_GENERAL_BOOTSTRAPMETHOD", "file"),
        env("ORDERER_GENERAL_BOOTSTRAPFILE", f"{GENESIS_DIR}/genesis.block"),
        # Joins through the participation API are refused while a system channel exists
        # (orderer/common/multichannel/registrar.go L754-755): keep the API off.
        env("ORDERER_CHANNELPARTICIPATION_ENABLED", "false"),
    ]
    container["volumeMounts"] = [{"name": "genesis", "mountPath": GENESIS_DIR,
                                  "readOnly": True}]
    volumes.append({"name": "genesis", "configMap": {
        "name": jobs.channel_config_map(SYSTEM_CHANNEL),
        "items": [{"key": "genesis.block", "path": "genesis.block"}]}})
    if plan.kafka is not None:
        brokers = [str(b) for b in plan.kafka.brokers]
        init.append({
            "name": "wait-for-kafka",
            "image": plan.images["orderer"],
            "command": ["bash", "-c", WAIT_FOR_KAFKA],
            "env": [env("KAFKA_BROKERS", ",".join(brokers)),
                    env("NEEDED", str(min(3, len(brokers))))],
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                          "limits": {"memory": "64Mi"}},
            "securityContext": restricted(),
        })
