"""Table-driven tests of every semantic rule: each invalid case next to a valid neighbour."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from fabgitops import yamlio
from fabgitops.errors import ConfigInvalid, Severity
from fabgitops.model import MAX_ORGS
from fabgitops.plan import MAX_NODES_TOTAL
from fabgitops.validate import validate

BASE: dict[str, Any] = {
    "Network": {"FabricVersion": "3.1"},
    "OrdererOrgs": [{"Name": "Orderer", "Domain": "orderer", "Template": {"Count": 3}}],
    "PeerOrgs": [
        {"Name": "Org1", "Domain": "org1", "EnableNodeOUs": True, "Template": {"Count": 2}},
        {"Name": "Org2", "Domain": "org2", "Template": {"Count": 2}},
    ],
}

Mutation = Callable[[dict[str, Any]], None]
Found = set[tuple[str, str, str]]


def run(mutate: Mutation) -> Found:
    """Validate BASE after ``mutate``; return (path, message, severity) of every issue."""
    data = copy.deepcopy(BASE)
    mutate(data)
    doc = yamlio.parse(yamlio.dump(data), source="c.yaml")
    try:
        _, warnings = validate(doc)
    except ConfigInvalid as exc:
        issues = exc.issues
    else:
        issues = warnings
    return {(i.dotted_path, i.message, i.severity.value) for i in issues}


def expect(found: Found, path: str, fragment: str, severity: Severity = Severity.ERROR) -> None:
    matches = [f for f in found if f[0] == path and fragment in f[1] and f[2] == severity.value]
    assert matches, f"no {severity.value} at {path} containing {fragment!r} in {sorted(found)}"


def setter(path: str, value: Any) -> Mutation:
    """A mutation setting a dotted path such as ``PeerOrgs.0.Name``."""

    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
        for key in keys[:-1]:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        node[keys[-1]] = value

    return mutate


def test_base_is_valid_without_warnings() -> None:
    assert run(lambda d: None) == set()


def test_the_limits_admit_the_scale_target() -> None:
    # Issue 14's scale target, 1000 peer orgs x 10 peers and a user, is a valid network: the
    # limits stop typos, not large networks.
    orgs = [{"Name": f"Org{i}", "Domain": f"org{i}", "EnableNodeOUs": True,
             "Template": {"Count": 10}, "Users": {"Count": 1}} for i in range(1, 1001)]
    assert MAX_ORGS >= 2 * 1000 and MAX_NODES_TOTAL >= 2 * 1000 * 11  # twice as headroom
    assert run(setter("PeerOrgs", orgs)) == set()


def test_monitoring_defaults_and_a_full_section_are_valid() -> None:
    assert run(setter("Monitoring", {})) == set()
    assert run(setter("Monitoring", {
        "PrometheusOperator": False, "Namespace": "observability",
        "Labels": {"release": "kube-prometheus-stack"}, "RunbookURL": "https://x.test/README.md",
        "Thresholds": {"CertificateWarningDays": 60, "CertificateCriticalDays": 14,
                       "LeaderChangesWindow": "1h30m", "GrpcErrorRatio": 0.2}})) == set()


CASES: list[tuple[str, Mutation, str, str, Severity]] = [
    # Unique names across all orgs.
    ("dup-name", setter("PeerOrgs.1.Name", "Org1"), "PeerOrgs[1].Name",
     "org name 'Org1' is also used by PeerOrgs[0].Name", Severity.ERROR),
    ("dup-domain", setter("PeerOrgs.1.Domain", "orderer"), "PeerOrgs[1].Domain",
     "domain 'orderer' is also used by OrdererOrgs[0].Domain", Severity.ERROR),
    ("dup-mspid", setter("PeerOrgs.1.MSPID", "Org1MSP"), "PeerOrgs[1].MSPID",
     "MSP ID 'Org1MSP' is also used by PeerOrgs[0].Name", Severity.ERROR),
    ("bad-org-name", setter("PeerOrgs.0.Name", "Org 1"), "PeerOrgs[0].Name",
     "cannot name a channel config group", Severity.ERROR),
    ("bad-mspid", setter("PeerOrgs.0.MSPID", "Org1_MSP"), "PeerOrgs[0].MSPID",
     "cannot be used in policies", Severity.ERROR),
    # DNS-1123 labels for namespaces and Services.
    ("domain-dots", setter("PeerOrgs.0.Domain", "org1.example.com"), "PeerOrgs[0].Domain",
     "is not a DNS-1123 label", Severity.ERROR),
    ("domain-upper", setter("PeerOrgs.0.Domain", "Org1"), "PeerOrgs[0].Domain",
     "no uppercase", Severity.ERROR),
    ("namespace-too-long", setter("Network.NamespacePrefix", "p" * 60 + "-"),
     "PeerOrgs[0].Domain", "is longer than 63 characters", Severity.ERROR),
    ("bad-prefix", setter("Network.NamespacePrefix", "Prod_"), "Network.NamespacePrefix",
     "lowercase letters", Severity.ERROR),
    ("host-upper", setter("PeerOrgs.0.Specs", [{"Hostname": "Peer9"}]), "PeerOrgs[0].Specs[0]",
     "host name 'Peer9' is not a DNS-1123 label", Severity.ERROR),
    ("host-dup", setter("PeerOrgs.0.Specs", [{"Hostname": "peer1"}]), "PeerOrgs[0].Template",
     "host name 'peer1' is also used by PeerOrgs[0].Specs[0]", Severity.ERROR),
    ("host-is-ca", setter("PeerOrgs.0.Specs", [{"Hostname": "ca"}]), "PeerOrgs[0].Specs[0]",
     "host name 'ca' is also used by PeerOrgs[0].CA", Severity.ERROR),
    ("host-reserved", setter("PeerOrgs.0.Specs", [{"Hostname": "cli"}]),
     "PeerOrgs[0].Specs[0]", "host name 'cli' is reserved", Severity.ERROR),
    ("image-latest", setter("Network.Images", {"Peer": "hyperledger/fabric-peer:latest"}),
     "Network.Images.Peer", "uses the tag 'latest'", Severity.ERROR),
    ("image-untagged", setter("Network.Images", {"CouchDB": "registry:5000/couchdb"}),
     "Network.Images.CouchDB", "has no tag", Severity.ERROR),
    ("spec-no-hostname", setter("PeerOrgs.0.Specs", [{"CommonName": "x"}]),
     "PeerOrgs[0].Specs[0]", "Hostname is required", Severity.ERROR),
    ("bad-template", setter("PeerOrgs.0.Template.Hostname", "{{.Prefx}}{{.Index}}"),
     "PeerOrgs[0].Template", "unknown template field {{.Prefx}}", Severity.ERROR),
    ("template-action", setter("PeerOrgs.0.Template.Hostname", '{{printf "%d" .Index}}'),
     "PeerOrgs[0].Template", "unsupported template action", Severity.ERROR),
    ("ed25519", setter("PeerOrgs.0.Template.PublicKeyAlgorithm", "ed25519"),
     "PeerOrgs[0].Template.PublicKeyAlgorithm", "ed25519 is not supported", Severity.ERROR),
    ("ed25519-ca", setter("PeerOrgs.0.CA.PublicKeyAlgorithm", "ed25519"),
     "PeerOrgs[0].CA.PublicKeyAlgorithm", "ed25519 is not supported", Severity.ERROR),
    ("ed25519-users", setter("PeerOrgs.0.Users.PublicKeyAlgorithm", "ed25519"),
     "PeerOrgs[0].Users.PublicKeyAlgorithm", "ed25519 is not supported", Severity.ERROR),
    ("subject-duplicate-ou", setter("PeerOrgs.0.CA.OrganizationalUnit", "peer"),
     "PeerOrgs[0].Template", "cannot be issued", Severity.ERROR),
    ("ssh-recipient", setter("Keystore.AgeRecipients", ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
                                                        "Ht4E7QWvjQ6U0OYcu6Uq5rBuEcOBOoe1C2+sVJ"
                                                        "nL3Ts"]),
     "Keystore.AgeRecipients[0]", "is not an age recipient", Severity.ERROR),
    ("node-subject", setter("PeerOrgs.0.Specs", [{"Hostname": "x", "Country": "DE"}]),
     "PeerOrgs[0].Specs[0].Country", "cryptogen ignores subject fields", Severity.WARNING),
    ("orderer-users", setter("OrdererOrgs.0.Users", {"Count": 2}), "OrdererOrgs[0].Users.Count",
     "ignored for orderer orgs", Severity.WARNING),
    ("no-peers", setter("PeerOrgs.1.Template.Count", 0), "PeerOrgs[1]", "has no peers",
     Severity.WARNING),
    # Anchor peers.
    ("anchor-missing", setter("PeerOrgs.0.AnchorPeers", ["peer5"]), "PeerOrgs[0].AnchorPeers[0]",
     "anchor peer 'peer5' is not a peer of org 'Org1'", Severity.ERROR),
    ("anchor-twice", setter("PeerOrgs.0.AnchorPeers", ["peer0", "peer0"]),
     "PeerOrgs[0].AnchorPeers[1]", "listed twice", Severity.ERROR),
    # Channels.
    ("channel-upper", setter("Channels", [{"Name": "MyChannel", "Organizations": ["Org1"]}]),
     "Channels[0].Name", "must start with a lowercase letter", Severity.ERROR),
    ("channel-long", setter("Channels", [{"Name": "c" * 250, "Organizations": ["Org1"]}]),
     "Channels[0].Name", "at most 249 characters", Severity.ERROR),
    ("channel-dup", setter("Channels", [{"Name": "a", "Organizations": ["Org1"]},
                                        {"Name": "a", "Organizations": ["Org2"]}]),
     "Channels[1].Name", "channel 'a' is also defined at Channels[0].Name", Severity.ERROR),
    ("channel-unknown-org", setter("Channels", [{"Name": "a", "Organizations": ["Org3"]}]),
     "Channels[0].Organizations[0]", "no peer org is named 'Org3'", Severity.ERROR),
    ("channel-orderer-org", setter("Channels", [{"Name": "a", "Organizations": ["Orderer"]}]),
     "Channels[0].Organizations[0]", "is an orderer org", Severity.ERROR),
    ("channel-no-orgs", setter("Channels", [{"Name": "a", "Organizations": []}]),
     "Channels[0].Organizations", "at least 1 item", Severity.ERROR),
    ("channel-system", setter("Channels", [{"Name": "system-channel", "Organizations": ["Org1"]}]),
     "Channels[0].Name", "orderer system channel", Severity.ERROR),
    ("no-channels", setter("Channels", []), "Channels", "no channels", Severity.WARNING),
    # Policies.
    ("implicit-bad", setter("Channels", [{"Name": "a", "Organizations": ["Org1"], "Policies": {
        "Readers": {"Type": "ImplicitMeta", "Rule": "SOME Readers"}}}]),
     "Channels[0].Policies.Readers.Rule", "is not an ImplicitMeta rule", Severity.ERROR),
    ("role-needs-nodeous", setter("PeerOrgs.1.Policies", {
        "Endorsement": {"Type": "Signature", "Rule": "OR('Org2MSP.peer')"}}),
     "PeerOrgs[1].Policies.Endorsement.Rule", "needs EnableNodeOUs: true", Severity.ERROR),
    # Consensus and versions.
    ("kafka-on-3", setter("Consensus.Type", "kafka"), "Consensus.Type",
     "kafka was removed in Fabric 3.0", Severity.ERROR),
    ("solo-on-3", setter("Consensus.Type", "solo"), "Consensus.Type",
     "solo was removed in Fabric 3.0", Severity.ERROR),
    ("bft-few", setter("Consensus.Type", "BFT"), "Consensus.Type",
     "BFT needs at least 4 orderers", Severity.ERROR),
    ("raft-even", setter("OrdererOrgs.0.Template.Count", 4), "Consensus.Type",
     "use an odd number", Severity.WARNING),
    ("no-orderers", setter("OrdererOrgs", []), "OrdererOrgs", "has no orderer", Severity.ERROR),
    ("batch-sizes", setter("Consensus.BatchSize", {"AbsoluteMaxBytes": "1 MB",
                                                   "PreferredMaxBytes": "2 MB"}),
     "Consensus.BatchSize.PreferredMaxBytes", "more than AbsoluteMaxBytes", Severity.ERROR),
    ("size-overflow", setter("Consensus.BatchSize.AbsoluteMaxBytes", "4096 GB"),
     "Consensus.BatchSize.AbsoluteMaxBytes", "out of range", Severity.ERROR),
    ("size-octal", setter("Consensus.BatchSize.AbsoluteMaxBytes", "010 MB"),
     "Consensus.BatchSize.AbsoluteMaxBytes", "leading zero", Severity.ERROR),
    ("size-shape", setter("Consensus.BatchSize.AbsoluteMaxBytes", "10 MiB"),
     "Consensus.BatchSize.AbsoluteMaxBytes", "is not a size such as '99 MB'", Severity.ERROR),
    ("duration-shape", setter("Consensus.BatchTimeout", "2 sec"), "Consensus.BatchTimeout",
     "is not a Go duration", Severity.ERROR),
    ("duration-zero", setter("Consensus.BatchTimeout", "0s"), "Consensus.BatchTimeout",
     "must be a positive duration", Severity.ERROR),
    ("raft-ticks", setter("Consensus.EtcdRaft", {"ElectionTick": 1, "HeartbeatTick": 1}),
     "Consensus.EtcdRaft.ElectionTick", "must be greater than HeartbeatTick", Severity.ERROR),
    # Limits that stop typos.
    ("count-typo", setter("PeerOrgs.0.Template.Count", 100000000), "PeerOrgs[0].Template.Count",
     "more than the limit of 1000", Severity.ERROR),
    ("too-many-orgs", setter("PeerOrgs", [{"Name": f"O{i}", "Domain": f"o{i}"}
                                          for i in range(MAX_ORGS + 1)]),
     "PeerOrgs", f"lists {MAX_ORGS + 1} items, more than the limit of {MAX_ORGS}",
     Severity.ERROR),
    # Every Count within its own limit, the sum over the limit (26 x 1000 > 25,000).
    ("too-many-nodes", setter("PeerOrgs", [{"Name": f"O{i}", "Domain": f"o{i}",
                                            "Template": {"Count": 1000}}
                                           for i in range(MAX_NODES_TOTAL // 1000 + 1)]),
     "<root>", f"more than the limit of {MAX_NODES_TOTAL}", Severity.ERROR),
    ("users-typo", setter("PeerOrgs.0.Users", {"Count": 5000}), "PeerOrgs[0].Users.Count",
     "more than the limit of 1000", Severity.ERROR),
    # Exposure.
    ("ingress-domain", setter("Kubernetes.Expose", "Ingress"), "Kubernetes.Ingress.Domain",
     "needs Ingress.Domain", Severity.ERROR),
    ("nodeport-host", setter("Kubernetes.Expose", "NodePort"), "Kubernetes.NodePort.Host",
     "without Host", Severity.WARNING),
    # Delivery.
    ("sops-recipients", setter("Secrets.Mode", "sops"), "Secrets.Sops.AgeRecipients",
     "needs at least one age recipient", Severity.ERROR),
    ("sops-argocd", setter("Secrets", {"Mode": "sops", "Sops": {"AgeRecipients": [
        "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]}}), "Secrets.Mode",
     "Argo CD cannot decrypt SOPS", Severity.WARNING),
    ("plain-mode", setter("Secrets.Mode", "plain"), "Secrets.Mode", "unencrypted",
     Severity.WARNING),
    ("bad-recipient", setter("Keystore.AgeRecipients", ["age1nope"]),
     "Keystore.AgeRecipients[0]", "is not an age recipient", Severity.ERROR),
    ("gitops-path", setter("GitOps.Path", "../elsewhere"), "GitOps.Path",
     "must not contain '..'", Severity.ERROR),
    ("network-name", setter("Network.Name", "My Net"), "Network.Name",
     "is not a DNS-1123 label", Severity.ERROR),
    # Monitoring.
    ("cert-thresholds", setter("Monitoring", {"Thresholds": {"CertificateCriticalDays": 30}}),
     "Monitoring.Thresholds.CertificateCriticalDays", "must be fewer than CertificateWarningDays",
     Severity.ERROR),
    ("monitoring-namespace", setter("Monitoring", {"Namespace": "org2"}), "Monitoring.Namespace",
     "is the namespace of org Org2 (PeerOrgs[1].Domain (line", Severity.ERROR),
    ("monitoring-duration", setter("Monitoring", {"Thresholds": {"DownFor": "2 minutes"}}),
     "Monitoring.Thresholds.DownFor", "2 minutes", Severity.ERROR),
    ("monitoring-typo", setter("Monitoring", {"PrometheusOperater": True}),
     "Monitoring.PrometheusOperater", "did you mean 'PrometheusOperator'", Severity.ERROR),
]


@pytest.mark.parametrize(("mutate", "path", "fragment", "severity"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(mutate: Mutation, path: str, fragment: str, severity: Severity) -> None:
    expect(run(mutate), path, fragment, severity)


def kafka_network(data: dict[str, Any]) -> None:
    data["Network"]["FabricVersion"] = "2.5"
    data["Consensus"] = {"Type": "kafka"}


@pytest.mark.parametrize(("kafka", "fragment", "severity"), [
    ({"ZooKeepers": 4}, "3, 5 or 7 servers", Severity.ERROR),
    ({"Brokers": 2}, "at least 3 brokers", Severity.ERROR),
    ({"Brokers": 3}, "at least 4 brokers", Severity.WARNING),
])
def test_kafka_rules(kafka: dict[str, int], fragment: str, severity: Severity) -> None:
    def mutate(data: dict[str, Any]) -> None:
        kafka_network(data)
        data["Consensus"]["Kafka"] = kafka

    found = run(mutate)
    key = "ZooKeepers" if "ZooKeepers" in kafka else "Brokers"
    expect(found, f"Consensus.Kafka.{key}", fragment, severity)


def test_valid_neighbours_of_the_consensus_rules() -> None:
    def solo(data: dict[str, Any]) -> None:
        kafka_network(data)
        data["Consensus"]["Type"] = "solo"
        data["OrdererOrgs"][0]["Template"]["Count"] = 1

    def bft(data: dict[str, Any]) -> None:
        data["Consensus"] = {"Type": "BFT"}
        data["OrdererOrgs"][0]["Template"]["Count"] = 4

    assert run(kafka_network) == set()
    assert run(solo) == set()
    assert run(bft) == set()


def test_solo_needs_one_orderer() -> None:
    def solo(data: dict[str, Any]) -> None:
        kafka_network(data)
        data["Consensus"]["Type"] = "solo"

    expect(run(solo), "Consensus.Type", "solo runs exactly one orderer")


def test_nodeports_in_range_and_collision_free() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["Kubernetes"] = {"Expose": "NodePort", "NodePort": {"Host": "10.0.0.1"}}

    assert run(mutate) == set()

    def collide(data: dict[str, Any]) -> None:
        mutate(data)
        data["PeerOrgs"][0]["Template"]["Count"] = 60  # peer49.. spill into org2's band

    found = run(collide)
    expect(found, "PeerOrgs[1].CA",
           "NodePort 30100 of the CA of org2 is also used by peer49.org1 (port 7052)")

    def custom_names(data: dict[str, Any]) -> None:
        collide(data)
        data["PeerOrgs"][0]["Template"]["Hostname"] = "node{{.Index}}"

    expect(run(custom_names), "PeerOrgs[1].CA",
           "NodePort 30100 of the CA of org2 is also used by node49.org1 (port 7052)")

    def article_orderers(data: dict[str, Any]) -> None:
        mutate(data)
        data["Kubernetes"]["NodePort"]["OrdererBase"] = 23700

    found = run(article_orderers)
    expect(found, "OrdererOrgs[0].CA", "outside the NodePort range 30000-32767 (the article's "
           "orderer ports 23700+N are below")


def test_every_problem_is_reported_in_one_run() -> None:
    def five_mistakes(data: dict[str, Any]) -> None:
        data["PeerOrgs"][0]["Domain"] = "Org1"
        data["PeerOrgs"][1]["Name"] = "Org1"
        data["PeerOrgs"][1]["AnchorPeers"] = ["peer9"]
        data["Channels"] = [{"Name": "Bad", "Organizations": ["Org1"]}]
        data["Consensus"] = {"Type": "solo"}

    found = run(five_mistakes)
    assert len([f for f in found if f[2] == "error"]) >= 5


def test_pinned_images_are_accepted() -> None:
    digest = "sha256:" + "0" * 64
    assert run(setter("Network.Images", {"CouchDB": "registry:5000/couchdb:3.4.2",
                                         "Peer": f"hyperledger/fabric-peer@{digest}"})) == set()
