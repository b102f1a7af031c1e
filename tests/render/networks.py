"""The networks the render tests compile: the article's and one per feature worth covering."""

from __future__ import annotations

from typing import Any

from fabgitops import yamlio
from tests.conftest import ARTICLE


def article() -> dict[str, Any]:
    """examples/article/cluster-config.yaml: solo-free etcdraft on 3.1, CouchDB, NodeOUs off."""
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text())
    return data


def _with(**sections: Any) -> dict[str, Any]:
    return {**article(), **sections}


NETWORKS: dict[str, dict[str, Any]] = {
    "article": article(),
    "nodeport": _with(Kubernetes={"Expose": "NodePort",
                                  "NodePort": {"Host": "fabric.example.com"}}),
    "ingress": _with(Kubernetes={"Expose": "Ingress",
                                 "Ingress": {"Domain": "fabric.example.com"}}),
    # Fabric 2.5 with a system channel: Kafka and ZooKeeper in their own namespace, two
    # orderers, a NodeOUs org, an org without anchor peers in its channel.
    "kafka": {
        "Network": {"FabricVersion": "2.5", "Name": "kafkanet"},
        "Consensus": {"Type": "kafka", "Kafka": {"Brokers": 4, "ZooKeepers": 3},
                      "BatchSize": {"AbsoluteMaxBytes": "98 MB"}},
        "OrdererOrgs": [{"Name": "Orderer", "Domain": "ordering", "Template": {"Count": 2}}],
        "PeerOrgs": [
            {"Name": "Org1", "Domain": "org1", "EnableNodeOUs": True,
             "Template": {"Count": 2}},
            {"Name": "Org2", "Domain": "org2", "Template": {"Count": 1}},
        ],
        "Channels": [{"Name": "alpha", "Organizations": ["Org1", "Org2"]},
                     {"Name": "beta", "Organizations": ["Org1"]}],
        # On both channels: Org2 runs and approves it on alpha only; Org1 commits both.
        "Chaincodes": [{
            "Name": "asset_transfer", "Version": "1.0", "Image": "example.org/asset@sha256:"
            + "0" * 64, "Channels": ["alpha", "beta"], "InitRequired": True, "Replicas": 2,
            "TLS": {"ClientAuth": True},
            "Resources": {"Limits": {"Memory": "128Mi"}},
            "EndorsementPolicy": {"ChannelConfigPolicy": "/Channel/Application/Endorsement"},
            "Collections": [{"Name": "shared", "Policy": "OR('Org1MSP.member')",
                             "EndorsementPolicy": {"Signature": "OR('Org1MSP.peer')"}}],
        }],
    },
    # Fabric 3.1 BFT: four orderers in two orgs, resources, storage class, no NetworkPolicies.
    "bft": {
        "Network": {"FabricVersion": "3.1"},
        "Consensus": {"Type": "BFT"},
        "OrdererOrgs": [
            {"Name": "OrdA", "Domain": "orda", "EnableNodeOUs": True, "Template": {"Count": 2}},
            {"Name": "OrdB", "Domain": "ordb", "EnableNodeOUs": True, "Template": {"Count": 2}},
        ],
        "PeerOrgs": [{"Name": "Org1", "Domain": "org1", "EnableNodeOUs": True,
                      "Template": {"Count": 1}}],
        "Kubernetes": {
            "StorageClass": "fast-ssd",
            "Storage": {"Peer": "20Gi", "Orderer": "5Gi"},
            "NetworkPolicies": False,
            "Resources": {"Peer": {"Requests": {"Cpu": "250m"}, "Limits": {"Memory": "2Gi"}},
                          "Orderer": {"Limits": {"Cpu": "2", "Memory": "1536Mi"}},
                          "CA": {"Requests": {"Memory": "128Mi"}}},
        },
    },
    # Fabric 2.5 with channel participation (BootstrapMethod none), LevelDB, NodeOUs, no CLI.
    "leveldb": {
        "Network": {"FabricVersion": "2.5"},
        "OrdererOrgs": [{"Name": "Orderer", "Domain": "ord", "Template": {"Count": 3}}],
        "PeerOrgs": [{"Name": "Org1", "Domain": "org1", "EnableNodeOUs": True,
                      "StateDatabase": "LevelDB", "Template": {"Count": 2}}],
        "Kubernetes": {"CLI": False},
    },
    # The article with monitoring: ServiceMonitors and PrometheusRules (validated against the
    # Prometheus Operator's CRDs), NetworkPolicies admitting the Prometheus namespace.
    "monitoring": _with(Monitoring={"Labels": {"release": "kube-prometheus-stack"}}),
    # Solo on 2.5 with a namespace prefix, Specs host names, a custom CA host name and anchors.
    "prefix": {
        "Network": {"FabricVersion": "2.5", "NamespacePrefix": "prod-",
                    "ClusterDomain": "cluster.example"},
        "Consensus": {"Type": "solo"},
        "OrdererOrgs": [{"Name": "Ord", "Domain": "ord", "CA": {"Hostname": "ordca"},
                         "Specs": [{"Hostname": "osn1"}]}],
        "PeerOrgs": [{"Name": "Org1", "Domain": "org1", "CA": {"Hostname": "myca"},
                      "Specs": [{"Hostname": "alice"}, {"Hostname": "bob"}],
                      "AnchorPeers": ["bob"]}],
    },
}
