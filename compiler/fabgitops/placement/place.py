"""Placing a planned network: external endpoints per cluster, and other parties' orgs.

``place`` runs right after the plan is built and changes nothing for a network without
``Kubernetes.Clusters`` and without External orgs. Otherwise:

- a node of a cluster with an ``ExternalDomain`` gets that cluster's external endpoint (an
  SNI-passthrough Ingress name on 443, or a LoadBalancer name on the node's port), and the
  name becomes a SAN of its TLS certificate;
- when nodes dial across clusters (several clusters, or another party's orgs), channel configs
  carry those external endpoints (``Node.advertised``): anchor peers, orderer endpoints and
  consenters are then reachable from every cluster, and every party computes the same config;
- an External org takes its MSP, policies, anchor peers and nodes from its bundle, and is
  marked ``external``: the crypto, render and GitOps stages leave it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from fabgitops.model import Exposure
from fabgitops.placement.clusters import org_cluster, plan_spans_clusters
from fabgitops.plan import INGRESS_PORT, Endpoint, Identity, Node, NodeKind, Org, Plan, Role
from fabgitops.tree import FileTree

if TYPE_CHECKING:
    from fabgitops.parties.bundle import OrgBundle


def place(plan: Plan, bundles: Mapping[str, OrgBundle]) -> Plan:
    """The plan with external endpoints and other parties' orgs (see the module doc)."""
    spans = plan_spans_clusters(plan)

    def placed(org: Org) -> Org:
        if org.external:
            return _external(org, bundles[org.name])
        return _own(plan, org, advertise=spans)

    return replace(plan, orderer_orgs=tuple(placed(o) for o in plan.orderer_orgs),
                   peer_orgs=tuple(placed(o) for o in plan.peer_orgs))


def own_orgs(plan: Plan) -> Plan:
    """The plan of this party's orgs only: what the crypto, render and GitOps stages build."""
    return replace(plan, orderer_orgs=tuple(o for o in plan.orderer_orgs if not o.external),
                   peer_orgs=tuple(o for o in plan.peer_orgs if not o.external))


def external_endpoint(plan: Plan, org: Org, node: Node) -> Endpoint | None:
    """The endpoint nodes on other clusters dial: the cluster's, else the network exposure's."""
    cluster = org_cluster(plan, org)
    if cluster.external_domain is None:
        return node.external
    if cluster.exposure is Exposure.LOAD_BALANCER:
        return Endpoint(f"{node.hostname}.{org.namespace}.{cluster.external_domain}",
                        node.address.port)
    return Endpoint(f"{node.hostname}-{org.namespace}.{cluster.external_domain}", INGRESS_PORT)


def _own(plan: Plan, org: Org, *, advertise: bool) -> Org:
    nodes = []
    for node in org.nodes:
        external = external_endpoint(plan, org, node)
        identity = node.identity
        if external is not None and external.host not in identity.sans:
            identity = replace(identity, sans=(*identity.sans, external.host))
        nodes.append(replace(node, identity=identity, external=external,
                             advertised=external if advertise else None))
    return replace(org, nodes=tuple(nodes))


def _external(org: Org, bundle: OrgBundle) -> Org:
    # Imported here: only another party's org needs certificates read at placement.
    from cryptography import x509

    from fabgitops.parties.check import dns_sans

    role = Role.PEER if org.kind is NodeKind.PEER else Role.ORDERER
    nodes = []
    for ordinal, item in enumerate(bundle.nodes):
        host, port = item.endpoint.rsplit(":", 1)
        endpoint = Endpoint(host, int(port))
        tls = x509.load_pem_x509_certificate(item.tls_certificate.encode())
        identity = Identity(item.common_name, role, tuple(sorted(dns_sans(tls))))
        nodes.append(Node(hostname=item.hostname, kind=org.kind, ordinal=ordinal,
                          identity=identity, address=endpoint, external=endpoint,
                          node_ports={}, source=org.source, advertised=endpoint))
    return replace(org, msp_id=bundle.msp_id, enable_node_ous=bundle.enable_node_ous,
                   nodes=tuple(nodes), users=(), anchor_peers=bundle.anchor_peers,
                   policies=dict(bundle.policies), external=True)


def imported_files(plan: Plan, bundles: Mapping[str, OrgBundle]) -> FileTree:
    """Other parties' public material in cryptogen's layout, where the channel stage reads
    an org's MSP (``<org>/msp/``) and a consenter's certificates (``<org>/orderers/<CN>/``)."""
    files: FileTree = {}
    for org in plan.orgs:
        if not org.external:
            continue
        bundle = bundles[org.name]
        base = org.crypto_dir
        files.update({f"{base}/msp/{name}": pem.encode() for name, pem in bundle.msp.items()})
        group = "peers" if org.kind is NodeKind.PEER else "orderers"
        for node in bundle.nodes:
            root = f"{base}/{group}/{node.common_name}"
            files[f"{root}/tls/server.crt"] = node.tls_certificate.encode()
            files[f"{root}/msp/signcerts/{node.common_name}-cert.pem"] = \
                node.sign_certificate.encode()
    return files
