"""inspect / encode: configtxlator's JSON for blocks and envelopes, and the exact round trip."""

from __future__ import annotations

import copy
import json

import pytest

from fabgitops.channel import ArtifactDecodeError, encode, inspect, to_json
from fabgitops.channel._pb import configtx, serialize
from fabgitops.channel.protolator import detect_type, to_tree
from fabgitops.plan import Plan

from .conftest import SCENARIOS, clock, counter_rng

Network = tuple[Plan, dict[str, bytes]]


def _artifacts(network: Network) -> dict[str, bytes]:
    from fabgitops.channel import build_artifacts

    plan, material = network
    files = build_artifacts(plan, material, {}, clock=clock, rng=counter_rng()).files()
    return {p: v for p, v in files.items() if p.endswith((".block", ".tx"))}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_decode_then_encode_gives_identical_bytes(networks: dict[str, Network],
                                                  scenario: str) -> None:
    artifacts = _artifacts(networks[scenario])
    assert any(p.endswith(".block") for p in artifacts)
    for path, data in artifacts.items():
        tree = inspect(data)
        kind = "common.Block" if path.endswith(".block") else "common.Envelope"
        assert detect_type(data) == kind
        assert encode(tree) == data
        assert encode(json.loads(to_json(tree)), kind) == data  # through JSON text too


def test_edited_json_encodes_the_edit(networks: dict[str, Network]) -> None:
    data = _artifacts(networks["etcdraft-2.5"])["channels/one/genesis.block"]
    tree = inspect(data)
    edited = copy.deepcopy(tree)
    values = edited["data"]["data"][0]["payload"]["data"]["config"]["channel_group"]["groups"][
        "Orderer"]["values"]
    values["BatchTimeout"]["value"]["timeout"] = "7s"
    again = inspect(encode(edited))
    assert again["data"]["data"][0]["payload"]["data"]["config"]["channel_group"]["groups"][
        "Orderer"]["values"]["BatchTimeout"]["value"] == {"timeout": "7s"}


def test_json_conventions(networks: dict[str, Network]) -> None:
    data = _artifacts(networks["kafka-2.5"])["channels/system-channel/genesis.block"]
    tree = inspect(data)
    group = tree["data"]["data"][0]["payload"]["data"]["config"]["channel_group"]
    assert group["version"] == "0"  # uint64 as a string
    values = group["groups"]["Orderer"]["values"]
    assert values["BatchSize"]["value"]["max_message_count"] == 500  # uint32 as a number
    assert values["ConsensusType"]["value"]["state"] == "STATE_NORMAL"  # enums by name
    assert values["ConsensusType"]["value"]["metadata"] is None  # empty embedded message
    assert values["ChannelRestrictions"]["value"] is None
    msp = group["groups"]["Orderer"]["groups"]["OrdererOrg"]["values"]["MSP"]["value"]["config"]
    assert msp["signing_identity"] is None  # unset message field
    assert msp["intermediate_certs"] == []  # unset repeated field
    assert msp["root_certs"][0].startswith("LS0tLS1CRUdJTi")  # base64 of '-----BEGIN'


def test_to_json_matches_go_encoding() -> None:
    text = to_json({"b": [1, {}], "a": "x<y>&z", "c": None, "d": "\u2028"})
    assert text == ('{\n\t"a": "x\\u003cy\\u003e\\u0026z",\n\t"b": [\n\t\t1,\n\t\t{}\n\t],\n'
                    '\t"c": null,\n\t"d": "\\u2028"\n}\n')


def test_unknown_config_value_stays_base64() -> None:
    group = configtx.ConfigGroup()
    group.values["Mystery"].value = b"\x01\x02"
    group.groups["Orderer"].values["Mystery"].value = b"\x03"
    config = configtx.Config(channel_group=group)
    tree = to_tree(config)
    assert tree["channel_group"]["values"]["Mystery"]["value"] == "AQI="
    assert tree["channel_group"]["groups"]["Orderer"]["values"]["Mystery"]["value"] == "Aw=="
    assert encode(tree, "common.Config") == serialize(config)


def test_any_message_type_by_name(networks: dict[str, Network]) -> None:
    data = _artifacts(networks["solo-2.5"])["channels/one/channel.tx"]
    update = inspect(data)["payload"]["data"]["config_update"]
    raw = encode(update, "common.ConfigUpdate")
    assert inspect(raw, "common.ConfigUpdate") == update


@pytest.mark.parametrize("data", [b"\xff\xff\xff", b"\x0a\x05abc"], ids=["garbage", "truncated"])
def test_garbage_is_reported(data: bytes) -> None:
    with pytest.raises(ArtifactDecodeError, match="not a Fabric block or envelope"):
        inspect(data)


def test_bad_trees_are_reported() -> None:
    with pytest.raises(ArtifactDecodeError, match="no field 'bogus'"):
        encode({"payload": None, "bogus": 1})
    with pytest.raises(ArtifactDecodeError, match="unknown message type"):
        inspect(b"", "common.Nope")
    with pytest.raises(ArtifactDecodeError, match=r"not a valid common\.Envelope"):
        encode({"payload": "%%%"}, "common.Envelope")
