"""System-channel networks (solo, kafka on 2.5): genesis block, channel.tx, anchor peer updates."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from fabgitops.channel import (
    SYSTEM_CHANNEL_BLOCK,
    anchors_tx_path,
    build_artifacts,
    channel_tx_path,
    inspect,
)
from fabgitops.plan import Plan

from . import expected as x
from .conftest import NOW_JSON, clock, counter_rng

Network = tuple[Plan, dict[str, bytes]]


def _build(network: Network) -> dict[str, bytes]:
    plan, material = network
    return build_artifacts(plan, material, {}, clock=clock, rng=counter_rng()).files()


@pytest.mark.parametrize("scenario", ["solo-2.5", "kafka-2.5"])
def test_system_channel_genesis(networks: dict[str, Network], scenario: str) -> None:
    plan, material = networks[scenario]
    block = inspect(_build(networks[scenario])[SYSTEM_CHANNEL_BLOCK])
    payload = block["data"]["data"][0]["payload"]
    assert payload["header"]["channel_header"]["channel_id"] == "system-channel"
    values = x.orderer_values(plan, {"type": scenario.split("-")[0], "metadata": None})
    if scenario.startswith("kafka"):
        assert plan.kafka is not None
        values["KafkaBrokers"] = x.value({"brokers": [
            f"kafka-{i}.kafka.kafka.svc.cluster.local:9092" for i in range(4)]})
    consortium = x.group(
        groups={o.name: x.app_org(material, o, anchors=False) for o in plan.peer_orgs},
        values={"ChannelCreationPolicy": x.value(
            {"type": 3, "value": {"rule": "ANY", "sub_policy": "Admins"}}, x.ORDERER_ADMINS)},
        mod_policy=x.ORDERER_ADMINS)
    consortiums = x.group(
        groups={"SampleConsortium": consortium}, mod_policy=x.ORDERER_ADMINS,
        # policydsl.AcceptAllPolicy: NOutOf(0) of no identities.
        policies={"Admins": x.signature(0, [], {"n_out_of": {"n": 0, "rules": []}},
                                        mod_policy=x.ORDERER_ADMINS)})
    orderer = x.group(groups={o.name: x.orderer_org(material, o) for o in plan.orderer_orgs},
                      values=values, policies={**x.standard_policies(),
                                               "BlockValidation": x.implicit("ANY", "Writers")})
    assert payload["data"]["config"] == {"channel_group": x.group(
        groups={"Consortiums": consortiums, "Orderer": orderer},
        values={"HashingAlgorithm": x.value({"name": "SHA256"}),
                "BlockDataHashingStructure": x.value({"width": 4294967295}),
                "Capabilities": x.capabilities("V2_0")},
        policies=x.standard_policies()), "sequence": "0"}


def _update_envelope(data: bytes, channel: str) -> Any:
    """Check the unsigned CONFIG_UPDATE framing and return the config update."""
    decoded = inspect(data)
    assert decoded["signature"] == ""  # configtxgen passes a nil signer
    payload = decoded["payload"]
    assert payload["header"] == {
        "channel_header": {"channel_id": channel, "epoch": "0", "extension": None,
                           "timestamp": NOW_JSON, "tls_cert_hash": "", "tx_id": "", "type": 2,
                           "version": 0},
        # An empty SignatureHeader (no creator, no nonce) serializes to nothing.
        "signature_header": None}
    assert payload["data"]["signatures"] == []
    update = payload["data"]["config_update"]
    assert update["channel_id"] == channel
    assert update["isolated_data"] == {}
    return update


def _bare_group(version: int = 0, **kwargs: Any) -> Any:
    return x.group(mod_policy="", version=version, **kwargs)


@pytest.mark.parametrize("scenario", ["solo-2.5", "kafka-2.5"])
def test_channel_creation_tx(networks: dict[str, Network], scenario: str) -> None:
    plan, material = networks[scenario]
    update = _update_envelope(_build(networks[scenario])[channel_tx_path("mychannel")],
                              "mychannel")
    members = {"Org1": _bare_group(), "Org2": _bare_group()}
    # configtxgen's channel creation transaction (internal/configtxgen/encoder/encoder.go
    # NewChannelCreateConfigUpdate): the Application values and policies are written,
    # Application goes to version 1, the orgs are only read, and the consortium is named in
    # both sets.
    assert update["read_set"] == _bare_group(
        groups={"Application": _bare_group(groups=members)},
        values={"Consortium": x.bare_value()})
    app = x.application(material, plan, "mychannel")
    assert update["write_set"] == _bare_group(
        groups={"Application": x.group(groups=members, values=app["values"],
                                       policies=app["policies"], version=1)},
        values={"Consortium": x.value({"name": "SampleConsortium"}, mod_policy="")})


@pytest.mark.parametrize(("channel", "org"), [("mychannel", "Org1"), ("mychannel", "Org2"),
                                              ("one", "Org1")])
def test_anchor_peer_update(networks: dict[str, Network], channel: str, org: str) -> None:
    plan, material = networks["solo-2.5"]
    member = plan.org(org)
    files = _build(networks["solo-2.5"])
    update = _update_envelope(files[anchors_tx_path(channel, member.msp_id)], channel)
    policies = {k: x.bare_policy() for k in ("Admins", "Endorsement", "Readers", "Writers")}
    read_org = _bare_group(policies=policies, values={"MSP": x.bare_value()})
    # doOutputAnchorPeersUpdate: only the org's AnchorPeers value is new; the org goes to v1.
    write_org = x.group(policies=policies, version=1, values={
        "MSP": x.bare_value(), "AnchorPeers": x.app_org(material, member)["values"]["AnchorPeers"]})
    assert update["read_set"] == _bare_group(
        groups={"Application": _bare_group(version=1, groups={org: read_org})})
    assert update["write_set"] == _bare_group(
        groups={"Application": _bare_group(version=1, groups={org: write_org})})


def test_only_orgs_with_anchor_peers_get_an_update(networks: dict[str, Network]) -> None:
    plan, material = networks["solo-2.5"]
    org2 = dataclasses.replace(plan.peer_orgs[1], anchor_peers=())
    quiet = dataclasses.replace(plan, peer_orgs=(plan.peer_orgs[0], org2))
    files = build_artifacts(quiet, material, {}, clock=clock, rng=counter_rng()).files()
    assert anchors_tx_path("mychannel", "Org1MSP") in files
    assert anchors_tx_path("mychannel", "Org2-MSP.example") not in files
    assert channel_tx_path("mychannel") in files
