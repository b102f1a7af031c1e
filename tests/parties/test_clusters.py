"""One party on two clusters: external endpoints per cluster, per-cluster GitOps, NetworkPolicies
admitting cross-cluster traffic only through the ingress controller, and the static dial check.
The output builds with kubectl kustomize and its engine objects match the CRD schemas."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography import x509

from fabgitops import yamlio
from fabgitops.config_file import parse_config
from fabgitops.output.apply import read_tree
from fabgitops.parties.check import dns_sans
from fabgitops.placement.dials import count_dials, dial_issues
from fabgitops.placement.gitops import engine_files
from tests.conftest import ARTICLE, kustomize, write_tree
from tests.gitops.helpers import REPO_URL, documents
from tests.gitops.test_crd_schemas import KINDS, schema
from tests.parties.support import Party

TWO_CLUSTERS = """\
OrdererOrgs:
  - {Name: Orderer1, Domain: orgorderer1, Template: {Count: 3}, Cluster: east}
PeerOrgs:
  - {Name: Org1, Domain: org1, Template: {Count: 2}, Cluster: east}
  - {Name: Org2, Domain: org2, Template: {Count: 1}, Cluster: west}
Kubernetes:
  Clusters:
    - {Name: east, ExternalDomain: east.example.com, IngressClassName: public}
    - Name: west
      Server: https://west.example.com:6443
      ExternalDomain: west.example.com
      Exposure: LoadBalancer
Secrets: {Mode: plain}
GitOps: {Engine: %(engine)s, RepoURL: %(url)s}
"""


def config(engine: str) -> str:
    return TWO_CLUSTERS % {"engine": engine, "url": REPO_URL}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    party = Party("east", tmp_path_factory.mktemp("clusters") / "repo")
    party.write_config(config("argocd"))
    party.compile()
    return read_tree(party.root)


def load(tree: dict[str, bytes], path: str) -> Any:
    return yamlio.load_plain(tree[path].decode())


def test_nodes_get_their_clusters_external_endpoints(compiled: dict[str, bytes]) -> None:
    east = load(compiled, "overlays/org1/peer0/ingress.yaml")
    assert east["spec"]["ingressClassName"] == "public"
    assert east["spec"]["rules"][0]["host"] == "peer0-org1.east.example.com"
    west = load(compiled, "overlays/org2/peer0/loadbalancer.yaml")
    assert west["spec"]["type"] == "LoadBalancer"
    assert west["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"] == \
        "peer0.org2.west.example.com"
    assert west["spec"]["ports"] == [{"name": "grpc", "port": 7051, "targetPort": 7051,
                                      "protocol": "TCP"}]
    cert = x509.load_pem_x509_certificate(
        compiled[".fabgitops/keystore/peerOrganizations/org2/peers/peer0.org2/tls/cert.pem"])
    assert {"peer0.org2.west.example.com", "peer0.org2"} <= dns_sans(cert)


def test_channel_config_and_jobs_dial_reachable_addresses(compiled: dict[str, bytes]) -> None:
    text = compiled["channels/mychannel/config.yaml"].decode()
    for name in ("orderer0-orgorderer1.east.example.com", "peer0-org1.east.example.com",
                 "peer0.org2.west.example.com"):
        assert name in text, name
    cli = compiled["overlays/org2/cli/deployment-patch.yaml"].decode()
    assert "value: orderer0-orgorderer1.east.example.com:443" in cli
    assert "orderer0.orgorderer1:7050" not in cli


def test_network_policies_admit_other_clusters_only_through_the_ingress_controller(
        compiled: dict[str, bytes]) -> None:
    def peer_sources(namespace: str) -> Any:
        text = compiled[f"overlays/{namespace}/network-policies.yaml"].decode()
        docs = [d for d in yaml.safe_load_all(text)
                if d and d["metadata"]["name"] == "allow-peer"]
        return docs[0]["spec"]["ingress"][0].get("from")

    east = peer_sources("org1")
    assert east == [{"namespaceSelector": {"matchExpressions": [{
        "key": "kubernetes.io/metadata.name", "operator": "In",
        "values": ["ingress-nginx", "org1", "orgorderer1"]}]}}]
    # A LoadBalancer keeps no stable source: the peer port is open, and only it.
    assert peer_sources("org2") is None


def test_argocd_applications_go_to_their_orgs_clusters(compiled: dict[str, bytes]) -> None:
    engine = {p: c for p, c in compiled.items() if p.startswith("clusters/")}
    apps = {d["spec"]["destination"]["namespace"]: d["spec"]["destination"]
            for d in documents(engine, "Application")}
    assert apps == {
        "orgorderer1": {"server": "https://kubernetes.default.svc", "namespace": "orgorderer1"},
        "org1": {"server": "https://kubernetes.default.svc", "namespace": "org1"},
        "org2": {"server": "https://west.example.com:6443", "namespace": "org2"},
    }
    [project] = documents(engine, "AppProject")
    assert sorted(d["server"] for d in project["spec"]["destinations"]) == [
        "https://kubernetes.default.svc", "https://kubernetes.default.svc",
        "https://west.example.com:6443"]


def _flux_tree() -> dict[str, bytes]:
    loaded = parse_config(config("flux").encode(), source="c.yaml", path=ARTICLE)
    return engine_files(loaded.plan, repo_url=REPO_URL)


def test_flux_has_one_entry_point_per_cluster_syncing_only_its_orgs() -> None:
    tree = _flux_tree()
    paths = {p.rsplit("/", 1)[0] for p in tree}
    assert paths == {"clusters/east/flux", "clusters/west/flux"}
    names = {d: sorted(o["metadata"]["name"] for o in documents(
        {p: c for p, c in tree.items() if p.startswith(d)}, "Kustomization"))
        for d in sorted(paths)}
    assert names == {"clusters/east/flux": ["fabric-org1", "fabric-orgorderer1"],
                     "clusters/west/flux": ["fabric-org2"]}
    west = yamlio.load_plain(tree["clusters/west/flux/kustomization-org2.yaml"].decode())
    assert "dependsOn" not in west["spec"]  # nothing on west to wait for
    assert b"kubectl apply -k clusters/west/flux" in tree["clusters/west/flux/kustomization.yaml"]


def test_every_cluster_builds_and_matches_the_crds(compiled: dict[str, bytes],
                                                   tmp_path: Path) -> None:
    tree = {**compiled, **_flux_tree()}
    write_tree(tmp_path, tree)
    built = 0
    for directory in ("overlays/orgorderer1", "overlays/org1", "overlays/org2",
                      "clusters/fabric/argocd", "clusters/east/flux", "clusters/west/flux"):
        objects = kustomize(tmp_path / directory)
        assert objects, directory
        for obj in objects:
            key = (obj["apiVersion"], obj["kind"])
            if key in KINDS:
                jsonschema.Draft202012Validator(schema(KINDS[key])).validate(obj)
                built += 1
    assert built == 3 + 1 + 3 + 2  # Applications, AppProject, Kustomizations, repositories


def test_the_dial_check_refuses_an_unreachable_dial() -> None:
    loaded = parse_config(config("none").encode(), source="c.yaml", path=ARTICLE)
    plan = loaded.plan
    assert not list(dial_issues(plan, loaded.document))
    assert count_dials(plan) == 3 + 2 * 3 + 2  # consenters, orderer endpoints, anchor peers
    org2 = plan.peer_orgs[1]
    node = org2.nodes[0]
    # A certificate without the external name: peers of east would refuse the handshake.
    broken = replace(node, identity=replace(node.identity, sans=("peer0.org2",)))
    plan = replace(plan, peer_orgs=(plan.peer_orgs[0], replace(org2, nodes=(broken,))))
    issues = list(dial_issues(plan, loaded.document))
    assert [i.message for i in issues] == [
        "Org1 dials peer0 of Org2 at peer0.org2.west.example.com:7051 (anchor peer): the name "
        "is not a SAN of the target's TLS certificate"]
    assert issues[0].dotted_path == "PeerOrgs[0]"
