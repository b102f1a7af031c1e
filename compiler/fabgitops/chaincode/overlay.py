"""``overlays/<namespace>/chaincode-<name>/``: one org's part of one chaincode.

::

    kustomization.yaml
    server.yaml                    Deployment + Service <name>-ccaas
    package.yaml                   ConfigMap <name>-package: package.tar.gz, collections.json
    tls.yaml                       ConfigMap <name>-ccaas-tls (server certificate, TLS CA)
    keys.yaml                      Secret <name>-ccaas-keys (a PlainSecret: sealed later)
    install-job.yaml               install on every peer of the org
    approve-<channel>-job.yaml     approveformyorg, per channel
    commit-<channel>-job.yaml      commit, per channel this org commits (its first approver)

Removing a chaincode from the config removes this directory, hence its workloads and Jobs.
Fabric has no "uncommit": the definition stays committed on the channel.
"""

from __future__ import annotations

from collections.abc import Mapping

from fabgitops.chaincode import jobs, workloads
from fabgitops.chaincode.naming import object_name
from fabgitops.chaincode.stage import Chaincodes, OrgChaincode
from fabgitops.kustomize import kustomization
from fabgitops.plan import Org
from fabgitops.render.common import Manifest, metadata
from fabgitops.render.context import Collector, RenderInputs
from fabgitops.render.identity import IdentityObjects, secret_annotations
from fabgitops.render.jobs import binary_data
from fabgitops.seal import PlainSecret
from fabgitops.tree import manifest_file
from fabgitops.waves import Wave

KEYS_FILE = "keys.yaml"


def directory(name: str) -> str:
    """The directory of a chaincode in an org overlay."""
    return f"chaincode-{object_name(name)}"


def chaincode_dirs(ctx: RenderInputs, out: Collector, org: Org, chaincodes: Chaincodes | None,
                   admin: IdentityObjects | None) -> list[str]:
    """Write the org's chaincode directories; return them (resources of the org overlay)."""
    if chaincodes is None:
        return []
    entries = chaincodes.by_org.get(org.name, ())
    if entries and admin is None:
        raise ValueError(f"org {org.name} runs chaincodes but has no admin objects")
    return [_write(ctx, out, entry, admin, ctx.peer_orgs_by_name) for entry in entries
            if admin is not None]


def _write(ctx: RenderInputs, out: Collector, entry: OrgChaincode, admin: IdentityObjects,
           orgs: Mapping[str, Org]) -> str:
    org, name = entry.org, entry.chaincode.name
    namespace = org.namespace
    folder = directory(name)
    root = f"overlays/{namespace}/{folder}"
    owner = f"chaincode {name} of org {org.name}"
    out.claim(namespace, "directory", folder, owner)
    labels = ctx.labels(org, "chaincode", "fabric-chaincode", entry.server.name)
    job_labels = ctx.labels(org, "job", "fabric-tools", entry.server.name)
    files: dict[str, bytes] = {}
    manifests: list[Manifest] = [workloads.deployment(entry, labels),
                                 workloads.service(entry, labels)]
    files["server.yaml"] = manifest_file(*manifests)
    package_files = {jobs.PACKAGE_FILE: entry.package.data}
    definitions = entry.approves
    if definitions and definitions[0].collections is not None:
        package_files[jobs.COLLECTIONS_FILE] = definitions[0].collections
    package = {"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": _meta(ctx, entry, jobs.package_config_map(name)),
               "binaryData": binary_data(package_files)}
    manifests.append(package)
    files["package.yaml"] = manifest_file(package)
    resources = ["server.yaml", "package.yaml"]
    tls = workloads.tls_config_map(entry, labels)
    if tls is not None:
        manifests.append(tls)
        files["tls.yaml"] = manifest_file(tls)
        out.secret(PlainSecret(path=f"{root}/{KEYS_FILE}", name=f"{entry.server.name}-keys",
                               namespace=namespace, labels=labels.all(),
                               annotations=secret_annotations(),
                               data=workloads.secret_data(entry)))
        resources += ["tls.yaml", KEYS_FILE]
    job_files = {"install-job.yaml": jobs.install(ctx.plan, entry, job_labels,
                                                  admin.msp_volume)}
    for definition in definitions:
        job_files[f"approve-{definition.channel}-job.yaml"] = jobs.approve(
            ctx.plan, entry, definition, job_labels, admin.msp_volume)
    for definition in entry.commits:
        approvers = entry.chaincode.approvers[definition.channel]
        job_files[f"commit-{definition.channel}-job.yaml"] = jobs.commit(
            ctx.plan, entry, definition, [o.msp_id for o in approvers],
            [f"{o.msp_id}={_target(orgs[o.name])}" for o in approvers], job_labels,
            admin.msp_volume)
    for file_name, job in sorted(job_files.items()):
        manifests.append(job)
        files[file_name] = manifest_file(job)
        resources.append(file_name)
    for manifest in manifests:
        out.claim(namespace, manifest["kind"], manifest["metadata"]["name"], owner)
    files["kustomization.yaml"] = manifest_file(kustomization(resources))
    for file_name, content in files.items():
        out.file(f"{root}/{file_name}", content)
    return folder


def _meta(ctx: RenderInputs, entry: OrgChaincode, name: str) -> Manifest:
    labels = ctx.labels(entry.org, "chaincode", "fabric-chaincode", entry.server.name)
    return metadata(name, entry.org.namespace, labels, Wave.CONFIG)


def _target(org: Org) -> str:
    """The peer a commit targets for an org: its first anchor peer, else its first peer."""
    peer = org.node(org.anchor_peers[0]) if org.anchor_peers else org.nodes[0]
    return str(peer.address)
