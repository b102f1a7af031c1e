"""The org's CA server directory, the org admin's material and the optional CLI directory."""

from __future__ import annotations

from fabgitops.keystore.credentials import ca_admin_credential
from fabgitops.kustomize import kustomization
from fabgitops.model import Component
from fabgitops.plan import CA_PORT, Org
from fabgitops.render.common import (
    Manifest,
    base_ref,
    config_map,
    env,
    node_labels,
    resources_override,
    secret_env,
)
from fabgitops.render.context import Collector, RenderInputs
from fabgitops.render.exposure import exposure
from fabgitops.render.identity import (
    IdentityObjects,
    identity_objects,
    projected,
    secret_annotations,
)
from fabgitops.render.nodes import NodeDir, write_node_dir
from fabgitops.seal import PlainSecret
from fabgitops.tree import manifest_file
from fabgitops.waves import Wave

ADMIN = "admin"
"""Prefix of the org admin's objects: ConfigMaps admin-msp/admin-tls, Secret admin-keys."""
CLI_DIR = "cli"


def ca_dir(ctx: RenderInputs, out: Collector, org: Org) -> str:
    """The fabric-ca-server of an org: signing pair = cryptogen's CA, TLS pair from the TLS CA."""
    plan, material, server = ctx.plan, ctx.material, org.ca
    host = server.hostname
    labels = ctx.labels(org, "ca", "fabric-ca", host)
    signing = material.signing_ca(org)
    tls = material.ca_server_tls(org)
    secret = f"{host}-keys"
    identity = IdentityObjects(
        msp=config_map(f"{host}-msp", org.namespace, labels,
                       data={"cacert.pem": signing.cert_pem.decode()}),
        tls=config_map(f"{host}-tls", org.namespace, labels,
                       data={"server.crt": tls.cert_pem.decode(),
                             "ca.crt": material.tls_ca(org).cert_pem.decode()}),
        secret_data={"ca.key": signing.key, "tls.key": tls.key,
                     "admin-password": ctx.credential(ca_admin_credential(org.domain))},
        msp_volume=projected("ca", [
            {"configMap": {"name": f"{host}-msp",
                           "items": [{"key": "cacert.pem", "path": "cert.pem"}]}},
            {"secret": {"name": secret, "items": [{"key": "ca.key", "path": "key.pem"}]}}]),
        tls_volume=projected("tls", [
            {"configMap": {"name": f"{host}-tls", "items": [
                {"key": "server.crt", "path": "server.crt"}, {"key": "ca.crt", "path": "ca.crt"}]}},
            {"secret": {"name": secret, "items": [{"key": "tls.key", "path": "server.key"}]}}]),
    )
    container: Manifest = {"name": "ca", "env": [
        env("FABRIC_CA_SERVER_CA_NAME", server.common_name),
        secret_env("CA_ADMIN_PASSWORD", secret, "admin-password")]}
    override = resources_override(plan, Component.CA)
    if override:
        container["resources"] = override
    manifests = exposure(plan, host=host, namespace=org.namespace, labels=labels, wave=Wave.CA,
                         port_name="https", port=CA_PORT, node_port=server.node_port,
                         external_host=server.external_host)
    return write_node_dir(out, NodeDir(
        org=org, name=host, base="ca", labels=labels, identity=identity,
        secret_data=identity.secret_data, containers=[container],
        manifests=manifests,
        operations_tls=plan.monitoring is not None))


def admin_objects(ctx: RenderInputs, out: Collector, org: Org) -> tuple[IdentityObjects, list[str]]:
    """The org admin's ConfigMaps and Secret at the overlay root, for the CLI and the Jobs.

    Returns:
        The objects, and the files to list in the org kustomization.
    """
    admin = org.admin
    labels = ctx.labels(org, "admin", "fabric-admin", org.namespace)
    objects = identity_objects(
        prefix=ADMIN, namespace=org.namespace, labels=labels,
        local_msp=ctx.material.local_msp(org, admin),
        material=ctx.material.identity(org, admin), tls_ca=ctx.material.tls_ca(org),
        what=f"{admin.common_name} of org {org.name}")
    root = f"overlays/{org.namespace}"
    files = []
    for manifest in (objects.msp, objects.tls):
        name = manifest["metadata"]["name"]
        out.claim(org.namespace, "ConfigMap", name, f"the admin of org {org.name}")
        out.file(f"{root}/{name}.yaml", manifest_file(manifest))
        files.append(f"{name}.yaml")
    out.secret(PlainSecret(path=f"{root}/{ADMIN}-keys.yaml", name=f"{ADMIN}-keys",
                           namespace=org.namespace, labels=labels.all(),
                           annotations=secret_annotations(), data=objects.secret_data))
    files.append(f"{ADMIN}-keys.yaml")
    return objects, files


def cli_dir(ctx: RenderInputs, out: Collector, org: Org, admin: IdentityObjects) -> str:
    """``cli/``: a fabric-tools Deployment with the org admin's identity."""
    plan = ctx.plan
    labels = ctx.labels(org, "cli", "fabric-tools", CLI_DIR)
    for kind in ("directory", "Deployment"):
        out.claim(org.namespace, kind, CLI_DIR, f"the CLI of org {org.name}")
    peer = org.node(org.anchor_peers[0]) if org.anchor_peers else org.nodes[0]
    orderer = next(node for _, node in plan.orderers())
    container: Manifest = {"name": "cli", "env": [
        env("CORE_PEER_LOCALMSPID", org.msp_id),
        env("CORE_PEER_ADDRESS", str(peer.address)),
        env("ORDERER_ADDRESS", str(orderer.channel_address))]}
    override = resources_override(plan, Component.CLI)
    if override:
        container["resources"] = override
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "cli"},
             "spec": {"template": {"spec": {"containers": [container],
                                            "volumes": [admin.msp_volume, admin.tls_volume]}}}}
    root = f"overlays/{org.namespace}/{CLI_DIR}"
    document = kustomization(
        [base_ref("cli")], labels=node_labels(labels),
        patches=[{"path": "deployment-patch.yaml", "target": {"kind": "Deployment",
                                                               "name": "cli"}}])
    out.file(f"{root}/kustomization.yaml", manifest_file(document))
    out.file(f"{root}/deployment-patch.yaml", manifest_file(patch))
    return CLI_DIR
