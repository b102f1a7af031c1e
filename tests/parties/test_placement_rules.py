"""Placement and party rules: each invalid case located, next to a valid neighbour."""

from __future__ import annotations

from typing import Any

from fabgitops.errors import Severity
from tests.unit.test_rules import Found, expect, run

CLUSTERS = [
    {"Name": "east", "ExternalDomain": "east.example.com"},
    {"Name": "west", "Server": "https://west.example.com:6443",
     "ExternalDomain": "west.example.com", "Exposure": "LoadBalancer"},
]


def errors(found: Found) -> Found:
    return {f for f in found if f[2] == Severity.ERROR.value}


def with_clusters(data: dict[str, Any]) -> None:
    data["Kubernetes"] = {"Clusters": [dict(c) for c in CLUSTERS]}
    data["PeerOrgs"][1]["Cluster"] = "west"


def test_orgs_on_declared_clusters_are_valid() -> None:
    assert errors(run(with_clusters)) == set()


def test_unknown_cluster_is_located() -> None:
    def mutate(data: dict[str, Any]) -> None:
        with_clusters(data)
        data["PeerOrgs"][0]["Cluster"] = "north"

    found = run(mutate)
    expect(found, "PeerOrgs[0].Cluster", "unknown cluster 'north' (known: east, west)")


def test_cluster_without_declared_clusters() -> None:
    found = run(lambda d: d["PeerOrgs"][0].update(Cluster="east"))
    expect(found, "PeerOrgs[0].Cluster", "declare it under Kubernetes.Clusters")


def test_duplicate_cluster_and_two_destinations() -> None:
    def mutate(data: dict[str, Any]) -> None:
        with_clusters(data)
        data["Kubernetes"]["Clusters"].append({"Name": "east", "Server": "https://x",
                                               "DestinationName": "x"})

    found = run(mutate)
    expect(found, "Kubernetes.Clusters[2].Name", "already declared at Kubernetes.Clusters[0]")
    expect(found, "Kubernetes.Clusters[2].DestinationName", "not both")


def test_cluster_name_must_be_a_dns_label() -> None:
    def mutate(data: dict[str, Any]) -> None:
        with_clusters(data)
        data["Kubernetes"]["Clusters"][0]["Name"] = "East_1"

    expect(run(mutate), "Kubernetes.Clusters[0].Name", "'East_1' is not")


def test_spanning_clusters_needs_external_domains() -> None:
    def mutate(data: dict[str, Any]) -> None:
        with_clusters(data)
        del data["Kubernetes"]["Clusters"][1]["ExternalDomain"]

    expect(run(mutate), "Kubernetes.Clusters[1].ExternalDomain", "set ExternalDomain")


def test_one_used_cluster_needs_no_external_domain() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["Kubernetes"] = {"Clusters": [{"Name": "east"}, {"Name": "spare"}]}

    assert errors(run(mutate)) == set()


def external(data: dict[str, Any], **extra: Any) -> None:
    data["PeerOrgs"][1] = {"Name": "Org2", "Domain": "org2", "External": True,
                           "Bundle": "bundles/Org2.yaml", **extra}
    data["Kubernetes"] = {"Clusters": [{"Name": "east", "ExternalDomain": "east.example.com"}]}


def test_external_org_with_bundle_is_valid() -> None:
    assert errors(run(external)) == set()


def test_external_org_needs_bundle_and_no_local_keys() -> None:
    def mutate(data: dict[str, Any]) -> None:
        external(data, Template={"Count": 1}, Cluster="east")
        del data["PeerOrgs"][1]["Bundle"]

    found = run(mutate)
    expect(found, "PeerOrgs[1].External", "needs Bundle")
    expect(found, "PeerOrgs[1].Template", "comes from its bundle")
    expect(found, "PeerOrgs[1].Cluster", "comes from its bundle")
    assert len(errors(found)) == 3


def test_bundle_without_external() -> None:
    found = run(lambda d: d["PeerOrgs"][0].update(Bundle="b.yaml"))
    expect(found, "PeerOrgs[0].Bundle", "only read for an org with External: true")


def test_external_orgs_need_a_reachable_party() -> None:
    def mutate(data: dict[str, Any]) -> None:
        external(data)
        del data["Kubernetes"]

    expect(run(mutate), "Kubernetes", "declare Kubernetes.Clusters with an ExternalDomain")

    def ingress(data: dict[str, Any]) -> None:
        mutate(data)
        data["Kubernetes"] = {"Expose": "Ingress", "Ingress": {"Domain": "a.example.com"}}

    assert errors(run(ingress)) == set()


def test_a_party_must_run_some_org() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["OrdererOrgs"] = []
        data["PeerOrgs"] = [{"Name": "Org2", "Domain": "org2", "External": True,
                             "Bundle": "b.yaml"}]
        data["Channels"] = []

    expect(run(mutate), "PeerOrgs", "this party runs no org")


def test_flux_path_stays_inside_the_output() -> None:
    def mutate(data: dict[str, Any]) -> None:
        with_clusters(data)
        data["Kubernetes"]["Clusters"][0]["FluxPath"] = "../elsewhere"

    expect(run(mutate), "Kubernetes.Clusters[0].FluxPath", "FluxPath")
