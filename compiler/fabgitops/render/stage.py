"""The render stage: plan + crypto material + channel artifacts -> Kustomize overlays.

Output layout (``overlays/<namespace>/`` per org, plus the Kafka namespace of kafka networks)::

    overlays/<ns>/kustomization.yaml       namespace, resources, images, user Component
    overlays/<ns>/namespace.yaml           Namespace (Pod Security "restricted")
    overlays/<ns>/network-policies.yaml    NetworkPolicies (when Kubernetes.NetworkPolicies)
    overlays/<ns>/pod-disruption-budgets.yaml
    overlays/<ns>/tls-roots.yaml           ConfigMap: TLS CAs of the orgs it talks to, orderers.pem
    overlays/<ns>/channel-<channel>.yaml   ConfigMap: the blocks/transactions the org needs
    overlays/<ns>/admin-{msp,tls}.yaml     the org admin's public material (Jobs, CLI)
    overlays/<ns>/admin-keys.yaml          Secret (a PlainSecret: the seal stage writes it)
    overlays/<ns>/anchor-peers-job.yaml    kafka/solo only: the org's anchor peer update
    overlays/<ns>/<host>/                  one directory per node (CA, peers, orderers):
        kustomization.yaml                 the base, renames, labels, patches
        statefulset-patch.yaml             per-node env, resources, projected volumes
        msp.yaml, tls.yaml                 ConfigMaps <host>-msp, <host>-tls (public)
        keys.yaml                          Secret <host>-keys (a PlainSecret)
        join-job.yaml                      the node's channel join Job (peers, orderers)
        nodeport.yaml | ingress.yaml       exposure, when configured
    overlays/<ns>/cli/                     the optional CLI
    overlays/<kafka ns>/                   kafka networks: zookeeper/ and kafka/ directories

The bases themselves (``bases/<component>``, which every node directory references as
``../../../bases/<component>``) are not part of the result: the pipeline adds
``shipped_bases.bases_tree()``. The renderer never writes Secrets either: it returns them as
PlainSecrets with their final path, name and namespace, and lists those paths in the
kustomizations.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from fabgitops import monitoring
from fabgitops.chaincode.overlay import chaincode_dirs
from fabgitops.chaincode.stage import Chaincodes
from fabgitops.channel import ChannelArtifacts, OrgArtifacts
from fabgitops.crypto import CryptoMaterial
from fabgitops.errors import ConfigInvalid
from fabgitops.kustomize import kustomization
from fabgitops.model import StateDatabase, Storage
from fabgitops.parallel import fork_map, workers
from fabgitops.parties.signatures import gate
from fabgitops.placement.exposure import policy_sources
from fabgitops.plan import SYSTEM_CHANNEL, NodeKind, Org, Plan, Source
from fabgitops.render import channel_updates, jobs
from fabgitops.render.ca import admin_objects, ca_dir, cli_dir
from fabgitops.render.common import (
    USER_PATCHES,
    Labels,
    Manifest,
    config_map,
    image_entries,
    metadata,
    overlay_dir,
    role_storage_patch,
)
from fabgitops.render.context import Collector, RenderInputs
from fabgitops.render.identity import secret_annotations
from fabgitops.render.kafka import kafka_overlay
from fabgitops.render.namespace_objects import namespace_files, network_policies
from fabgitops.render.nodes import orderer_dir, peer_dir
from fabgitops.seal import PlainSecret
from fabgitops.tree import FileTree, manifest_file
from fabgitops.waves import Wave

TLS_ROOTS_CONFIG_MAP = "tls-roots"
"""The ConfigMap of every org's TLS CA certificate, in each org namespace."""
ANCHOR_JOB = "anchor-peers-job.yaml"
CONFIG_MAP_LIMIT = 1024 * 1024
"""The API server refuses ConfigMaps larger than 1 MiB."""



@dataclass(frozen=True)
class Rendered:
    """The stage's result: generated files (bases included), and the Secrets to seal."""

    files: FileTree
    secrets: tuple[PlainSecret, ...]


def render(plan: Plan, material: CryptoMaterial, artifacts: ChannelArtifacts, *,
           user_paths: Collection[str], chaincodes: Chaincodes | None = None,
           signatures: Mapping[str, bytes] | None = None) -> Rendered:
    """Render every org overlay (and the Kafka overlay) of the network.

    Args:
        plan: the network.
        material: the crypto stage's result.
        artifacts: the channel stage's result.
        user_paths: paths of the user's files in the output repository; an
            ``overlays/<ns>/patches/kustomization.yaml`` there is included as a Component.
        chaincodes: the chaincode stage's result: servers and lifecycle Jobs per org.

    Returns:
        Files keyed by output path (``overlays/...``) and the PlainSecrets the
        kustomizations reference (their ``path`` is where the seal stage writes them).

    Raises:
        ConfigInvalid: two generated objects would share a name, an image is not pinned, or a
            channel artifact does not fit a ConfigMap.
        EnvironmentProblem: crypto material, a credential or a channel artifact is missing.
    """
    ctx = RenderInputs(plan, material, artifacts, frozenset(user_paths),
                       chaincodes.client_auth_orgs() if chaincodes else frozenset(),
                       dict(signatures or {}))
    sources = {o.namespace: o.source for o in plan.orgs}
    # Another party renders its own orgs.
    out = _org_overlays(ctx, [o for o in plan.orgs if not o.external], chaincodes, sources)
    if plan.kafka is not None:
        kafka_overlay(ctx, out, plan.kafka)
    return Rendered(dict(sorted(out.files.items())),
                    tuple(sorted(out.secrets, key=lambda s: s.path)))


ORGS_PER_WORKER = 8
"""Below this many orgs per core, forking costs more than it saves."""


def _org_overlays(ctx: RenderInputs, orgs: Sequence[Org], chaincodes: Chaincodes | None,
                  sources: Mapping[str, Source]) -> Collector:
    """Every org's overlay; split over the cores when there are enough orgs."""
    count = workers(len(orgs), ORGS_PER_WORKER)
    shares = [orgs[i::count] for i in range(count)]
    parts = fork_map(lambda share: _overlays(ctx, share, chaincodes, sources), shares)
    if parts is None:
        return _overlays(ctx, orgs, chaincodes, sources)
    out = Collector(sources)
    for part in parts:
        out.absorb(part)
    return out


def _overlays(ctx: RenderInputs, orgs: Sequence[Org], chaincodes: Chaincodes | None,
              sources: Mapping[str, Source]) -> Collector:
    out = Collector(sources)
    for org in orgs:
        _org_overlay(ctx, out, org, chaincodes)
    return out


def _channel_config_maps(ctx: RenderInputs, out: Collector, org: Org,
                         channels: OrgArtifacts) -> list[str]:
    root = overlay_dir(org.namespace)
    labels = ctx.labels(org, "channel", "fabric-channel", org.namespace)
    files = []
    for channel, artifacts in sorted(channels.items()):
        name = jobs.channel_config_map(channel)
        if sum(len(v) * 4 // 3 for v in artifacts.values()) > CONFIG_MAP_LIMIT:
            # Measurable only once the artifacts are encoded: located at the channel (the
            # system channel's at the org).
            source = ctx.plan.channel(channel).source if channel != SYSTEM_CHANNEL \
                else org.source
            raise ConfigInvalid([source.issue(f"the artifacts of channel {channel} do not fit "
                                              "a 1 MiB ConfigMap")])
        out.claim(org.namespace, "ConfigMap", name, f"channel {channel}")
        manifest = config_map(name, org.namespace, labels, binary=jobs.binary_data(artifacts))
        out.file(f"{root}/{name}.yaml", manifest_file(manifest))
        files.append(f"{name}.yaml")
    return files


def _channel_updates(ctx: RenderInputs, out: Collector, org: Org,
                     admin_msp: Manifest) -> list[str]:
    """Per channel with updates: its updates ConfigMap and apply Job (first orderer org)."""
    root = overlay_dir(org.namespace)
    files = []
    for channel in org.channels:
        history = ctx.artifacts.histories.get(channel)
        if history is None or not history.updates:
            continue
        # Other parties' signatures: apply only what they have authorized so far.
        data, waiting = gate(history, channel_updates.update_files(history), ctx.signatures,
                             parties=any(o.external for o in ctx.plan.orgs))
        name = channel_updates.updates_config_map(channel)
        if sum(len(v) * 4 // 3 for v in data.values()) > CONFIG_MAP_LIMIT:
            raise ConfigInvalid([ctx.plan.channel(channel).source.issue(
                f"the updates of channel {channel} do not fit a 1 MiB ConfigMap")])
        labels = ctx.labels(org, "channel", "fabric-channel", org.namespace)
        out.claim(org.namespace, "ConfigMap", name, f"channel {channel} updates")
        out.file(f"{root}/{name}.yaml", manifest_file(config_map(
            name, org.namespace, labels, binary=jobs.binary_data(data))))
        job = channel_updates.apply_job(ctx.plan, org, ctx.labels(
            org, "job", "fabric-tools", org.namespace), admin_msp, channel, data,
            waiting=waiting)
        out.claim(org.namespace, "Job", job["metadata"]["name"], f"channel {channel} updates")
        out.file(f"{root}/{channel}-update-job.yaml", manifest_file(job))
        files += [f"{name}.yaml", f"{channel}-update-job.yaml"]
    return files


def _tls_roots(ctx: RenderInputs, out: Collector, org: Org) -> str:
    """The TLS CA certificate (``<MSPID>.pem``) of every org the org talks to
    (``RenderInputs.channel_partners``) and the orderer orgs' in one bundle (``orderers.pem``,
    for ``--cafile``: Go's AppendCertsFromPEM reads every certificate)."""
    plan, material = ctx.plan, ctx.material
    data = {f"{o.msp_id}.pem": material.tls_root_pem(o).decode()
            for o in ctx.channel_partners(org)}
    data["orderers.pem"] = "".join(material.tls_root_pem(o).decode()
                                   for o in plan.orderer_orgs)
    if sum(len(v) for v in data.values()) > CONFIG_MAP_LIMIT:
        raise ConfigInvalid([org.source.issue(
            f"the TLS CA certificates of the {len(data) - 1} orgs {org.name} shares a channel "
            "with do not fit a 1 MiB ConfigMap: split its channels")])
    labels = ctx.labels(org, "tls-roots", "fabric-tls-roots", org.namespace)
    out.claim(org.namespace, "ConfigMap", TLS_ROOTS_CONFIG_MAP, "the TLS roots")
    out.file(f"{overlay_dir(org.namespace)}/{TLS_ROOTS_CONFIG_MAP}.yaml",
             manifest_file(config_map(TLS_ROOTS_CONFIG_MAP, org.namespace, labels, data=data)))
    return f"{TLS_ROOTS_CONFIG_MAP}.yaml"


def _namespace_objects(ctx: RenderInputs, out: Collector, org: Org) -> list[str]:
    plan = ctx.plan
    labels = ctx.labels(org, "org", "fabric-org", org.namespace)
    policies: list[Manifest] = []
    if plan.kubernetes.network_policies:
        fabric, exposed = policy_sources(plan, org, ctx.partner_orgs(org),
                                         plan.kubernetes.expose.value != "ClusterIP")
        policies = network_policies(
            org.namespace, labels, fabric=fabric, roles={"ca", org.kind.value}, exposed=exposed,
            scrapers=plan.monitoring.namespace if plan.monitoring else None)
    root = overlay_dir(org.namespace)
    resources = out.files_of(root, namespace_files(
        org.namespace, labels, network_policies=policies, budget_roles=[org.kind.value]))
    if plan.monitoring is not None:
        objects = monitoring.org_objects(plan, org, ctx.org_keystore(org), plan.monitoring,
                                         metadata("", org.namespace, ctx.labels(
                                             org, "monitoring", "fabric-monitoring",
                                             org.namespace), Wave.CONFIG))
        for obj in objects:
            out.claim(org.namespace, obj["kind"], obj["metadata"]["name"], "monitoring")
        if objects:
            out.file(f"{root}/{monitoring.OVERLAY_FILE}", manifest_file(*objects))
            resources.append(monitoring.OVERLAY_FILE)
        resources += _scraper_secret(ctx, out, org, labels)
    return resources


def _scraper_secret(ctx: RenderInputs, out: Collector, org: Org, labels: Labels) -> list[str]:
    """Prometheus' client pair for the org's operations endpoints (monitoring.operations)."""
    pair = ctx.material.org(org).scraper_tls
    if pair is None:
        return []
    name = monitoring.operations.CLIENT_SECRET
    out.secret(PlainSecret(
        path=f"{overlay_dir(org.namespace)}/{name}.yaml", name=name, namespace=org.namespace,
        labels=labels.all(), annotations=secret_annotations(),
        data={"tls.crt": pair.cert_pem, "tls.key": pair.key,
              "ca.crt": ctx.material.tls_ca(org).cert_pem}))
    return [f"{name}.yaml"]


def _storage_patches(plan: Plan, org: Org) -> list[Manifest]:
    """The org's volume sizes, set once per role for all its nodes (none at the bases' sizes:
    the model's defaults are the bases' sizes)."""
    size, base = plan.kubernetes.storage, Storage()
    node_sizes = [(size.peer, base.peer)] if org.kind is NodeKind.PEER else \
        [(size.orderer, base.orderer)]
    if org.kind is NodeKind.PEER and org.state_database is StateDatabase.COUCHDB:
        node_sizes.append((size.couch_db, base.couch_db))
    return [*role_storage_patch(plan, "ca", [(size.ca, base.ca)]),
            *role_storage_patch(plan, org.kind.value, node_sizes)]


def _images(plan: Plan, org: Org) -> list[str]:
    keys = ["ca", "tools", org.kind.value]
    if org.state_database is StateDatabase.COUCHDB:
        keys.append("couch_db")
    return sorted(keys)


def _org_overlay(ctx: RenderInputs, out: Collector, org: Org,
                 chaincodes: Chaincodes | None) -> None:
    plan = ctx.plan
    root = overlay_dir(org.namespace)
    out.claim(org.namespace, "directory", USER_PATCHES, "the user's patches (a Component)")
    resources = _namespace_objects(ctx, out, org)
    resources.append(_tls_roots(ctx, out, org))
    channels = ctx.artifacts.for_org(org)
    resources += _channel_config_maps(ctx, out, org, channels)
    system = plan.consensus.uses_system_channel
    peer_org = org.kind is NodeKind.PEER
    cli = peer_org and plan.kubernetes.cli and bool(org.nodes) and any(plan.orderers())
    jobs_needed = bool(org.nodes and org.channels) and (peer_org or not system)
    runs_chaincode = chaincodes is not None and bool(chaincodes.by_org.get(org.name))
    admin = None
    if cli or jobs_needed or runs_chaincode:
        admin, admin_files = admin_objects(ctx, out, org)
        resources += admin_files
    directories = [ca_dir(ctx, out, org)]
    job_channels = channels if jobs_needed else {}
    for node in org.nodes:
        if peer_org:
            wanted = {c: {k: v for k, v in files.items() if k != "anchors.tx"}
                      for c, files in job_channels.items()}
            directories.append(peer_dir(ctx, out, org, node,
                                        admin.msp_volume if admin else None, wanted))
        else:
            blocks = {c: files["genesis.block"] for c, files in job_channels.items()}
            directories.append(orderer_dir(ctx, out, org, node, blocks))
    if cli and admin is not None:
        directories.append(cli_dir(ctx, out, org, admin))
    if not system and admin is not None and org is next(  # this party's first orderer org
            (o for o in plan.orderer_orgs if not o.external), None):
        resources += _channel_updates(ctx, out, org, admin.msp_volume)
    if system and peer_org and admin is not None and org.anchor_peers and channels:
        job = jobs.anchor_peers(plan, org, ctx.labels(org, "job", "fabric-tools",
                                                       org.namespace), admin.msp_volume, channels)
        out.claim(org.namespace, "Job", job["metadata"]["name"], "the anchor peer update")
        out.file(f"{root}/{ANCHOR_JOB}", manifest_file(job))
        resources.append(ANCHOR_JOB)
    directories += chaincode_dirs(ctx, out, org, chaincodes, admin)
    if out.holds(org.namespace, "Job"):
        out.claim(org.namespace, "directory", jobs.SCRIPTS, "the Jobs' scripts")
        template = ctx.labels(org, "job-scripts", "fabric-job-scripts", org.namespace)
        out.files_of(f"{root}/{jobs.SCRIPTS}", jobs.scripts_directory(template.template_only()))
        directories.append(jobs.SCRIPTS)
    resources += sorted(directories)
    document = kustomization(resources, namespace=org.namespace,
                             components=ctx.user_components(root),
                             patches=_storage_patches(plan, org),
                             images=image_entries(plan, _images(plan, org)))
    out.file(f"{root}/kustomization.yaml", manifest_file(document))
