"""The plan expands a config into concrete nodes, names, addresses and ports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from fabgitops import yamlio
from fabgitops.config_file import parse_config
from fabgitops.deliver import Mode
from fabgitops.model import ClusterConfig
from fabgitops.plan import Endpoint, Plan, Role, build
from tests.conftest import ARTICLE
from tests.e2e.support import article_config, compile_network, environment


def plan_of(data: dict[str, Any] | str) -> Plan:
    text = data if isinstance(data, str) else yamlio.dump(data)
    loaded = parse_config(text.encode(), source="c.yaml", path=ARTICLE)
    return loaded.plan


def test_article_network() -> None:
    plan = plan_of(ARTICLE.read_text())
    assert [o.name for o in plan.orgs] == ["Orderer1", "Org1", "Org2"]
    org1 = plan.org("Org1")
    assert (org1.msp_id, org1.namespace, org1.domain) == ("Org1MSP", "org1", "org1")
    assert [n.hostname for n in org1.nodes] == ["peer0", "peer1"]
    assert [u.common_name for u in org1.users] == ["User1@org1", "Admin@org1"]
    # cryptogen's default for EnableNodeOUs is false: no admin OU.
    assert org1.admin.role is Role.CLIENT
    assert org1.nodes[0].address == Endpoint("peer0.org1", 7051)
    assert org1.nodes[0].identity.sans == (
        "peer0.org1", "peer0", "peer0.org1.svc", "peer0.org1.svc.cluster.local")
    assert org1.anchor_peers == ("peer0",)
    assert [u.common_name for u in plan.org("Orderer1").users] == ["Admin@orgorderer1"]
    assert plan.org("Orderer1").nodes[0].address == Endpoint("orderer0.orgorderer1", 7050)
    assert [(c.name, c.peer_orgs, c.orderer_orgs) for c in plan.channels] == [
        ("mychannel", ("Org1", "Org2"), ("Orderer1",))]
    assert plan.images["peer"] == "hyperledger/fabric-peer:3.1.5"
    assert all(not image.endswith(":latest") for image in plan.images.values())


SPECS = {
    "Network": {"NamespacePrefix": "prod-", "ClusterDomain": "example.local",
                "Images": {"Peer": "registry.local/fabric-peer:3.1.5-patched"}},
    "OrdererOrgs": [{"Name": "Ord", "Domain": "ord", "Specs": [{"Hostname": "orderer"}]}],
    "PeerOrgs": [{
        "Name": "Org1", "Domain": "org1", "EnableNodeOUs": True,
        "CA": {"Hostname": "myca", "Country": "DE", "OrganizationalUnit": "Ops"},
        "Specs": [{"Hostname": "foo", "CommonName": "foo-{{.Domain}}",
                   "SANS": ["{{.Hostname}}.alt", "{{.CommonName}}.x", "10.0.0.7"]}],
        "Template": {"Count": 2, "Start": 5, "Hostname": "{{.Prefix}}-{{.Index}}",
                     "SANS": ["{{.Hostname}}.{{.Domain}}.example.com"]},
        "Users": {"Count": 2},
        "AnchorPeers": ["peer-6"],
    }],
}


def test_specs_templates_and_sans_follow_cryptogen() -> None:
    plan = plan_of(SPECS)
    org = plan.org("Org1")
    assert [n.hostname for n in org.nodes] == ["foo", "peer-5", "peer-6"]
    foo = org.nodes[0].identity
    assert foo.common_name == "foo-org1"
    assert foo.sans == ("foo-org1", "foo", "foo.alt", "foo-org1.x", "10.0.0.7",
                        "foo.prod-org1", "foo.prod-org1.svc", "foo.prod-org1.svc.example.local")
    assert org.nodes[1].identity.sans[:3] == ("peer-5.org1", "peer-5",
                                              "peer-5.org1.example.com")
    assert [u.common_name for u in org.users] == ["User1@org1", "User2@org1", "Admin@org1"]
    assert [u.role for u in org.users] == [Role.CLIENT, Role.CLIENT, Role.ADMIN]
    assert org.namespace == "prod-org1"
    assert org.nodes[2].address == Endpoint("peer-6.prod-org1", 7051)
    assert org.anchor_peers == ("peer-6",)
    assert (org.ca.hostname, org.ca.common_name, org.ca.tls_common_name) == (
        "myca", "myca.org1", "tlsmyca.org1")
    assert (org.ca.subject.country, org.ca.subject.province, org.ca.subject.organizational_unit) \
        == ("DE", "California", "Ops")
    assert plan.images["peer"] == "registry.local/fabric-peer:3.1.5-patched"


def test_article_nodeport_scheme() -> None:
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text())
    data["Kubernetes"] = {"Expose": "NodePort", "NodePort": {"Host": "192.168.0.7"}}
    plan = plan_of(data)
    org1, org2 = plan.org("Org1"), plan.org("Org2")
    # The article's table: org1 CA 30000, peer0.org1 30001/30002, peer1.org1 30003/30004, ...
    assert org1.ca.node_port == 30000
    assert [dict(n.node_ports) for n in org1.nodes] == [{7051: 30001, 7052: 30002},
                                                       {7051: 30003, 7052: 30004}]
    assert org2.ca.node_port == 30100
    assert dict(org2.nodes[1].node_ports) == {7051: 30103, 7052: 30104}
    # Orderer orgs count down from 32700, so adding peer orgs never moves them.
    orderer = plan.org("Orderer1")
    assert (orderer.ca.node_port, dict(orderer.nodes[0].node_ports)) == (32700, {7050: 32701})
    assert org1.nodes[0].external == Endpoint("192.168.0.7", 30001)
    assert "192.168.0.7" in org1.nodes[0].identity.sans


def test_ingress_names() -> None:
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text())
    data["Kubernetes"] = {"Expose": "Ingress", "Ingress": {"Domain": "fabric.example.com"}}
    node = plan_of(data).org("Org2").nodes[1]
    assert node.external == Endpoint("peer1-org2.fabric.example.com", 443)
    assert node.identity.sans[-1] == "peer1-org2.fabric.example.com"
    assert node.node_ports == {}
    # The CA is dialled by the same rule, and its TLS certificate names that host.
    ca = plan_of(data).org("Org2").ca
    assert ca.external_host == "ca-org2.fabric.example.com"
    assert ca.external_host in ca.tls_sans


def test_the_ca_ingress_serves_the_host_the_plan_gave_it(tmp_path: Path) -> None:
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text())
    data["Kubernetes"] = {"Expose": "Ingress", "Ingress": {"Domain": "fabric.example.com"}}
    config = article_config(tmp_path / "net")
    config.write_text(yamlio.dump(data))
    tree = compile_network(config, environment(tmp_path / "home"), Mode.DRY_RUN).compiled.tree
    ingresses = [yaml.safe_load(c) for p, c in tree.items()
                 if p.startswith("overlays/org2/ca/") and b"kind: Ingress" in c]
    assert len(ingresses) == 1
    rules = ingresses[0]["spec"]["rules"]
    assert [r["host"] for r in rules] == ["ca-org2.fabric.example.com"]


def test_default_policies_follow_node_ous() -> None:
    plan = plan_of(SPECS)
    with_ous = plan.org("Org1").policies
    assert with_ous["Endorsement"].rule == "OR('Org1MSP.peer')"
    assert with_ous["Readers"].rule == "OR('Org1MSP.admin', 'Org1MSP.peer', 'Org1MSP.client')"
    article = plan_of(ARTICLE.read_text())
    assert article.org("Org1").policies["Endorsement"].rule == "OR('Org1MSP.member')"
    assert article.org("Orderer1").policies["Admins"].rule == "OR('Orderer1MSP.admin')"
    assert set(article.channels[0].policies) == {
        "Readers", "Writers", "Admins", "LifecycleEndorsement", "Endorsement"}


def test_kafka_cluster_addresses() -> None:
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text())
    data["Network"] = {"FabricVersion": "2.5"}
    data["Consensus"] = {"Type": "kafka", "BatchSize": {"AbsoluteMaxBytes": "98 MB"}}
    plan = plan_of(data)
    assert plan.kafka is not None
    assert [str(b) for b in plan.kafka.brokers][:1] == [
        "kafka-0.kafka.kafka.svc.cluster.local:9092"]
    assert len(plan.kafka.brokers) == 4 and len(plan.kafka.zookeepers) == 3
    assert plan.consensus.absolute_max_bytes == 98 * 2**20
    assert plan.consensus.uses_system_channel


def test_every_org_node_ca_and_channel_carries_its_source() -> None:
    plan = plan_of(ARTICLE.read_text())
    org1 = plan.org("Org1")
    assert (org1.source.file, org1.source.path, org1.source.line) == ("c.yaml", ("PeerOrgs", 0),
                                                                       12)
    assert [n.source.path for n in org1.nodes] == [("PeerOrgs", 0, "Template")] * 2
    assert org1.nodes[0].source.line == 14
    # No CA section: the CA is located at its org.
    assert org1.ca.source.path == ("PeerOrgs", 0, "CA") and org1.ca.source.line == 12
    # No Channels section: the default channel is located at the document's first key.
    assert [(c.name, c.source.path, c.source.line) for c in plan.channels] == [
        ("mychannel", ("Channels",), 5)]
    assert org1.source.issue("x").line == 12


def test_what_cannot_be_expanded_is_reported_where_it_is_written() -> None:
    data = yamlio.load_plain(ARTICLE.read_text())
    data["PeerOrgs"][0]["Specs"] = [{"Hostname": "a", "CommonName": "{{.Nope}}"}, {"SANS": []}]
    data["Consensus"] = {"BatchSize": {"AbsoluteMaxBytes": 0}}
    document = yamlio.parse(yamlio.dump(data), source="c.yaml")
    config = ClusterConfig.model_validate_json(json.dumps(document.data))
    plan, issues = build(config, document)
    assert [(i.dotted_path, i.message.split(";")[0]) for i in issues] == [
        ("PeerOrgs[0].Specs[0]", "unknown template field {{.Nope}}"),
        ("PeerOrgs[0].Specs[1]", "Hostname is required in every Specs entry"),
        ("Consensus.BatchSize.AbsoluteMaxBytes", "must be more than 0 bytes"),
    ]
    assert [n.hostname for n in plan.org("Org1").nodes] == ["peer0", "peer1"]
