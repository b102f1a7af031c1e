"""Focused behaviour of the render stage: images, MSP keys, name clashes, user patches."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from fabgitops import yamlio
from fabgitops.channel import ChannelArtifacts
from fabgitops.errors import ConfigInvalid, EnvironmentProblem
from fabgitops.keystore.value import reveal
from fabgitops.render import render
from fabgitops.render import stage as render_stage
from fabgitops.render.common import image_entries
from fabgitops.render.identity import msp_public
from fabgitops.tree import generated_yaml
from tests.conftest import kustomize, write_tree
from tests.render.networks import NETWORKS
from tests.render.support import compile_network, output_tree, plan_of


def _images(**overrides: str) -> list[dict[str, Any]]:
    data = copy.deepcopy(NETWORKS["article"])
    data["Network"] = {"Images": overrides}
    return image_entries(plan_of(data), ["peer", "ca"])


def test_images_are_split_into_kustomize_entries() -> None:
    digest = "sha256:" + "ab" * 32
    assert _images(Peer="registry.local:5000/fabric/peer:3.1.5-p1", CA=f"ca@{digest}") == [
        {"name": "hyperledger/fabric-peer", "newName": "registry.local:5000/fabric/peer",
         "newTag": "3.1.5-p1"},
        {"name": "hyperledger/fabric-ca", "newName": "ca", "digest": digest},
    ]


def test_an_image_that_keeps_the_base_name_changes_only_its_pin() -> None:
    digest = "sha256:" + "cd" * 32
    assert _images(Peer="hyperledger/fabric-peer:3.1.4", CA=f"hyperledger/fabric-ca@{digest}") == [
        {"name": "hyperledger/fabric-peer", "newTag": "3.1.4"},
        {"name": "hyperledger/fabric-ca", "digest": digest},
    ]


@pytest.mark.parametrize("image", ["registry.local:5000/fabric/peer", "peer:latest"])
def test_unpinned_images_are_refused(image: str) -> None:
    # Validation refuses them first, at their line; render.common keeps its own guard.
    with pytest.raises(ConfigInvalid) as caught:
        _images(Peer=image)
    issue = caught.value.issues[0]
    assert "pin a version" in issue.message
    assert issue.dotted_path == "Network.Images.Peer"


def test_node_ou_config_follows_the_renamed_ca_certificate() -> None:
    compiled = compile_network(NETWORKS["leveldb"])
    org = compiled.plan.org("Org1")
    local = compiled.material.local_msp(org, org.nodes[0].identity)
    assert "cacerts/ca.org1-cert.pem" in local["config.yaml"].decode()
    data = msp_public(local, "peer0")
    assert sorted(data) == ["cacert.pem", "config.yaml", "signcert.pem", "tlscacert.pem"]
    config = yaml.safe_load(data["config.yaml"])
    assert config["NodeOUs"]["PeerOUIdentifier"]["Certificate"] == "cacerts/cacert.pem"
    assert "ca.org1-cert.pem" not in data["config.yaml"]


def test_an_msp_with_two_signing_certificates_is_refused() -> None:
    with pytest.raises(EnvironmentProblem, match="more than one file in signcerts"):
        msp_public({"cacerts/a.pem": b"x", "tlscacerts/b.pem": b"x", "signcerts/c.pem": b"x",
                    "signcerts/d.pem": b"x"}, "peer0")


@pytest.mark.parametrize("host", ["admin", "cli", "patches"])
def test_a_host_name_clashing_with_generated_names_is_a_config_error(host: str) -> None:
    data = copy.deepcopy(NETWORKS["article"])
    data["PeerOrgs"][0]["Specs"] = [{"Hostname": host}]
    with pytest.raises(ConfigInvalid) as caught:
        compile_network(data)
    assert host in caught.value.issues[0].message


def test_generated_names_that_meet_are_located_at_the_org() -> None:
    # peer0's NodePort Service is peer0-nodeport, which is also this peer's Service.
    data = copy.deepcopy(NETWORKS["nodeport"])
    data["PeerOrgs"][0]["Specs"] = [{"Hostname": "peer0-nodeport"}]
    with pytest.raises(ConfigInvalid) as caught:
        compile_network(data)
    [issue] = caught.value.issues
    assert issue.path == ("PeerOrgs", 0) and issue.file == "c.yaml" and issue.line > 1
    assert "Service org1/peer0-nodeport would be generated twice" in issue.message


def test_a_missing_channel_artifact_is_an_internal_error() -> None:
    compiled = compile_network(NETWORKS["article"])
    with pytest.raises(KeyError, match="mychannel"):
        render(compiled.plan, compiled.material, ChannelArtifacts(), user_paths=())


def test_the_users_patches_component_is_included_only_when_present(tmp_path: Path) -> None:
    user = "overlays/org1/patches/kustomization.yaml"
    compiled = compile_network(NETWORKS["article"], user_paths=frozenset({user}))
    document = yamlio.load_plain(compiled.rendered.files["overlays/org1/kustomization.yaml"]
                                 .decode())
    assert document["components"] == ["patches"]
    other = yamlio.load_plain(compiled.rendered.files["overlays/org2/kustomization.yaml"]
                              .decode())
    assert "components" not in other
    assert not any(path.startswith("overlays/org1/patches/") for path in
                   compiled.rendered.files)
    component = {
        "apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component",
        "patches": [{"target": {"kind": "StatefulSet", "name": "peer0"}, "patch": yamlio.dump([
            {"op": "add", "path": "/metadata/annotations/team", "value": "blue"}])}],
    }
    write_tree(tmp_path, {**output_tree(compiled.rendered),
                          user: generated_yaml(yamlio.dump(component))})
    peer0 = next(o for o in kustomize(tmp_path / "overlays" / "org1")
                 if o["kind"] == "StatefulSet" and o["metadata"]["name"] == "peer0")
    assert peer0["metadata"]["annotations"]["team"] == "blue"


def test_secrets_hold_the_private_material_and_configmaps_none() -> None:
    compiled = compile_network(NETWORKS["kafka"])
    secrets = {s.path: s for s in compiled.rendered.secrets}
    peer = secrets["overlays/org1/peer0/keys.yaml"]
    assert (peer.name, peer.namespace) == ("peer0-keys", "org1")
    # The kafka network's chaincode checks client certificates: ccaas_builder's config carries
    # the peer's TLS pair, so it is secret too.
    assert sorted(peer.data) == ["ccaas-builder-config", "couchdb-password", "couchdb-username",
                                 "msp.key", "tls.key"]
    builder_config = reveal(peer.data["ccaas-builder-config"])
    assert reveal(peer.data["tls.key"]) in builder_config.replace(b"\\n", b"\n")
    assert len(reveal(peer.data["couchdb-password"])) >= 32
    server = secrets["overlays/org2/chaincode-asset-transfer/keys.yaml"]
    assert (server.name, sorted(server.data)) == ("asset-transfer-ccaas-keys", ["tls.key"])
    assert sorted(secrets["overlays/org1/ca/keys.yaml"].data) == [
        "admin-password", "ca.key", "tls.key"]
    for secret in compiled.rendered.secrets:
        directory, name = secret.path.rsplit("/", 1)
        kustomization = yamlio.load_plain(
            compiled.rendered.files[f"{directory}/kustomization.yaml"].decode())
        assert name in kustomization["resources"], secret.path
    for path, content in compiled.rendered.files.items():
        assert b"PRIVATE KEY" not in content, path
        for secret in compiled.rendered.secrets:
            assert reveal(secret.data["tls.key"]) not in content


def test_tls_roots_and_network_policies_cover_the_orgs_each_org_talks_to() -> None:
    # Org1 and Org2 share a channel, Org3 none: an org's tls-roots has its own TLS CA, the
    # orderer orgs' and its channel partners' (the orderer org is in every channel, so Org3
    # is not its partner), and a peer org's peers admit those orgs' namespaces; the orderer
    # org's orderers admit every org. (Every org for every org would grow the output with the
    # square of the orgs.)
    data = copy.deepcopy(NETWORKS["article"])
    data["PeerOrgs"].append({"Name": "Org3", "Domain": "org3", "Template": {"Count": 1}})
    data["Channels"] = [{"Name": "pair", "Organizations": ["Org1", "Org2"]}]
    compiled = compile_network(data)
    files = compiled.rendered.files
    orderer = compiled.plan.orderer_orgs[0]
    keys, admitted = {}, {}
    for org in compiled.plan.orgs:
        [config_map] = yaml.safe_load_all(files[f"overlays/{org.namespace}/tls-roots.yaml"])
        keys[org.name] = sorted(config_map["data"])
        pem = compiled.material.tls_root_pem(orderer).decode()
        assert config_map["data"]["orderers.pem"] == pem
        policies = {p["metadata"]["name"]: p for p in yaml.safe_load_all(
            files[f"overlays/{org.namespace}/network-policies.yaml"])}
        role = "allow-orderer" if org is orderer else "allow-peer"
        [selector] = policies[role]["spec"]["ingress"][0]["from"]
        [expression] = selector["namespaceSelector"]["matchExpressions"]
        admitted[org.name] = expression["values"]
    assert len(keys) == 4
    assert keys[orderer.name] == keys["Org1"] == keys["Org2"] == sorted(
        [f"{orderer.msp_id}.pem", "Org1MSP.pem", "Org2MSP.pem", "orderers.pem"])
    assert keys["Org3"] == sorted([f"{orderer.msp_id}.pem", "Org3MSP.pem", "orderers.pem"])
    assert admitted[orderer.name] == sorted(o.namespace for o in compiled.plan.orgs)
    assert admitted["Org1"] == admitted["Org2"] == sorted([orderer.namespace, "org1", "org2"])
    assert admitted["Org3"] == sorted([orderer.namespace, "org3"])


def test_tls_roots_that_do_not_fit_a_configmap_are_a_located_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An org in channels with more than about 1,100 orgs in all: the TLS CAs pass 1 MiB (here
    # the limit is lowered instead of compiling that many orgs).
    monkeypatch.setattr(render_stage, "CONFIG_MAP_LIMIT", 2000)
    with pytest.raises(ConfigInvalid) as caught:
        compile_network(NETWORKS["article"])
    [issue] = caught.value.issues
    assert issue.file == "c.yaml" and issue.line > 1
    assert "orgs Orderer1 shares a channel with do not fit a 1 MiB ConfigMap" in issue.message
