"""The lifecycle Jobs of one org and chaincode: install, approve per channel, commit per channel.

They run as the org admin in the fabric-tools image, after the peers joined their channels
(sync wave CHAINCODE_JOBS; commit one wave later, CHAINCODE_COMMIT, so that an org's own
approval comes first). Like the join Jobs, each name ends in a hash of the Job and of what it
reads: a new definition is a new Job, and the old one is pruned.
"""

from __future__ import annotations

from collections.abc import Sequence

from fabgitops.chaincode import scripts
from fabgitops.chaincode.definition import Definition
from fabgitops.chaincode.naming import object_name
from fabgitops.chaincode.stage import OrgChaincode
from fabgitops.plan import Plan
from fabgitops.render.common import (
    Labels,
    Manifest,
    env,
)
from fabgitops.render.jobs import (
    ADMIN,
    TLS_ROOTS_MOUNT,
    admin_tls_volume,
    orderer_addresses,
    tools_job,
)
from fabgitops.waves import Wave

PACKAGE_DIR = "/var/hyperledger/chaincode"
PACKAGE_FILE = "package.tar.gz"
COLLECTIONS_FILE = "collections.json"
ATTEMPTS = "12"
"""Attempts per pod, backing off from RETRY_DELAY seconds up to a minute (about 9 minutes)."""
RETRY_DELAY = "5"


def package_config_map(chaincode: str) -> str:
    """The ConfigMap holding an org's package (and the collections config) of a chaincode."""
    return f"{object_name(chaincode)}-package"


def _job(plan: Plan, entry: OrgChaincode, *, name: str, labels: Labels, wave: Wave,
         script: str, environment: Sequence[Manifest], admin_msp: Manifest,
         inputs: Sequence[bytes]) -> Manifest:
    org = entry.org
    first = org.nodes[0]
    return tools_job(
        plan=plan, name=name, namespace=org.namespace, labels=labels, wave=wave,
        container="lifecycle", command=["bash", "-c", script], attempts=ATTEMPTS,
        environment=[
            env("RETRY_DELAY", RETRY_DELAY),
            env("CORE_PEER_LOCALMSPID", org.msp_id),
            env("CORE_PEER_MSPCONFIGPATH", f"{ADMIN}/msp"),
            env("CORE_PEER_TLS_ENABLED", "true"),
            env("CORE_PEER_TLS_ROOTCERT_FILE", f"{ADMIN}/tls/ca.crt"),
            env("CORE_PEER_ADDRESS", str(first.address)),
            env("ORG_MSPID", org.msp_id),
            env("NAME", entry.chaincode.name),
            env("PACKAGE_ID", entry.package.package_id),
            *environment],
        mounts=[
            {"name": "admin-msp", "mountPath": f"{ADMIN}/msp", "readOnly": True},
            {"name": "admin-tls", "mountPath": f"{ADMIN}/tls", "readOnly": True},
            {"name": "tls-roots", "mountPath": TLS_ROOTS_MOUNT, "readOnly": True},
            {"name": "package", "mountPath": PACKAGE_DIR, "readOnly": True}],
        volumes=[
            {**admin_msp, "name": "admin-msp"},
            admin_tls_volume(["ca.crt"], with_key=False),
            {"name": "tls-roots", "configMap": {"name": "tls-roots"}},
            {"name": "package", "configMap": {"name": package_config_map(entry.chaincode.name)}}],
        inputs=inputs,
    )


def install(plan: Plan, entry: OrgChaincode, labels: Labels, admin_msp: Manifest) -> Manifest:
    """Install the org's package on every peer of the org that lacks it."""
    peers = " ".join(str(n.address) for n in entry.org.nodes)
    return _job(plan, entry, name=f"{object_name(entry.chaincode.name)}-install", labels=labels,
                wave=Wave.CHAINCODE_JOBS, script=scripts.INSTALL, admin_msp=admin_msp,
                environment=[env("PEERS", peers),
                             env("PACKAGE", f"{PACKAGE_DIR}/{PACKAGE_FILE}")],
                inputs=[entry.package.data])


def _definition_env(plan: Plan, definition: Definition) -> list[Manifest]:
    policy = definition.endorsement
    signature = (policy.signature or "") if policy else ""
    reference = (policy.channel_config_policy or "") if policy else ""
    collections = f"{PACKAGE_DIR}/{COLLECTIONS_FILE}" if definition.collections else ""
    return [env("CHANNEL", definition.channel), env("VERSION", definition.version),
            env("SEQUENCE", str(definition.sequence)), env("SIGNATURE_POLICY", signature),
            env("CHANNEL_CONFIG_POLICY", reference), env("COLLECTIONS", collections),
            env("INIT_REQUIRED", "true" if definition.init_required else "false"),
            env("ORDERERS", orderer_addresses(plan)),
            env("ORDERER_CA", f"{TLS_ROOTS_MOUNT}/orderers.pem")]


def approve(plan: Plan, entry: OrgChaincode, definition: Definition, labels: Labels,
            admin_msp: Manifest) -> Manifest:
    """Approve the channel's definition for the org, with the org's package."""
    return _job(plan, entry,
                name=f"{object_name(definition.name)}-approve-{definition.channel}",
                labels=labels, wave=Wave.CHAINCODE_JOBS, script=scripts.APPROVE,
                admin_msp=admin_msp, environment=_definition_env(plan, definition),
                inputs=[definition.collections or b""])


def commit(plan: Plan, entry: OrgChaincode, definition: Definition, approvers: Sequence[str],
           approver_peers: Sequence[str], labels: Labels, admin_msp: Manifest) -> Manifest:
    """Commit the channel's definition once every approving org has approved it.

    Args:
        approvers: MSP IDs of the approving orgs.
        approver_peers: ``<MSPID>=<host:port>``, one peer of each approving org.
    """
    return _job(plan, entry,
                name=f"{object_name(definition.name)}-commit-{definition.channel}",
                labels=labels, wave=Wave.CHAINCODE_COMMIT, script=scripts.COMMIT,
                admin_msp=admin_msp,
                environment=[*_definition_env(plan, definition),
                             env("APPROVERS", " ".join(approvers)),
                             env("APPROVER_PEERS", " ".join(approver_peers)),
                             env("TLS_ROOTS", TLS_ROOTS_MOUNT)],
                inputs=[definition.collections or b""])
