"""``fabgitops export-org``: an org's public bundle, built from the plan and the keystore's
certificates (never a key)."""

from __future__ import annotations

from fabgitops.crypto import CryptoMaterial
from fabgitops.errors import ConfigInvalid, Issue
from fabgitops.parties.bundle import FORMAT, BundleNode, OrgBundle
from fabgitops.plan import NodeKind, Plan


def export_bundle(plan: Plan, material: CryptoMaterial, name: str, *, source: str) -> OrgBundle:
    """The bundle of this party's org ``name``.

    Raises:
        ConfigInvalid: no such org of this party, or a node has no external endpoint (other
            parties could not dial it).
    """
    org = next((o for o in plan.orgs if o.name == name), None)
    if org is None or org.external:
        own = ", ".join(o.name for o in plan.orgs if not o.external) or "none"
        raise ConfigInvalid([Issue(source, 0, 0, (), f"{name!r} is not an org this party runs "
                                   f"(its orgs: {own})")])
    nodes = []
    for node in org.nodes:
        if node.external is None:
            raise ConfigInvalid([Issue(source, 0, 0, ("Kubernetes",), f"{node.hostname} of "
                                       f"{name} has no external endpoint for other parties to "
                                       "dial: give its cluster an ExternalDomain (Kubernetes."
                                       "Clusters) or expose the nodes (Expose: Ingress)")])
        identity = material.identity(org, node.identity)
        nodes.append(BundleNode(hostname=node.hostname, common_name=node.identity.common_name,
                                endpoint=str(node.external),
                                tls_certificate=identity.tls.cert_pem.decode(),
                                sign_certificate=identity.enrollment.cert_pem.decode()))
    msp = {path: content.decode() for path, content in material.verifying_msp(org).items()}
    return OrgBundle(bundle=FORMAT, name=org.name, msp_id=org.msp_id,
                     kind="peer" if org.kind is NodeKind.PEER else "orderer",
                     domain=org.domain, enable_node_ous=org.enable_node_ous,
                     policies=dict(org.policies), msp=msp, nodes=tuple(nodes),
                     anchor_peers=org.anchor_peers)
