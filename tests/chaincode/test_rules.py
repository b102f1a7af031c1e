"""Chaincode validation: every bad chaincode config gets an error at its place in the file."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_rules import expect, run, setter

CHAINCODE: dict[str, Any] = {
    "Name": "basic", "Version": "1.0", "Image": "example.org/basic:1.0",
    "Channels": ["mychannel"],
    "EndorsementPolicy": {"Signature": "AND('Org1MSP.peer', 'Org2MSP.peer')"},
    "Collections": [{"Name": "private", "Policy": "OR('Org1MSP.member', 'Org2MSP.member')",
                     "RequiredPeerCount": 0, "MaxPeerCount": 1}],
}


def with_chaincode(**changes: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        data["Chaincodes"] = [{**CHAINCODE, **changes}]
    return mutate


def test_a_good_chaincode_is_valid() -> None:
    assert run(with_chaincode()) == set()


CASES = [
    ({"Name": "bad name"}, "Chaincodes[0].Name", "letters and digits"),
    ({"Name": "_lifecycle"}, "Chaincodes[0].Name", "letters and digits"),
    ({"Version": "1 0"}, "Chaincodes[0].Version", "may contain only"),
    ({"Label": "-x"}, "Chaincodes[0].Label", "package label '-x'"),
    ({"Image": "example.org/basic:latest"}, "Chaincodes[0].Image", "'latest'"),
    ({"Image": "example.org/basic"}, "Chaincodes[0].Image", "has no tag"),
    ({"Channels": ["nochannel"]}, "Chaincodes[0].Channels[0]", "no channel is named"),
    ({"Organizations": ["Org9"]}, "Chaincodes[0].Organizations[0]", "no peer org is named"),
    ({"Organizations": ["Org1", "Org1"]}, "Chaincodes[0].Organizations[1]", "listed twice"),
    ({"EndorsementPolicy": {"Signature": "AND('Org1MSP.peer',"}},
     "Chaincodes[0].EndorsementPolicy.Signature", "invalid signature policy"),
    ({"EndorsementPolicy": {"Signature": "OR('Org3MSP.peer')"}},
     "Chaincodes[0].EndorsementPolicy.Signature", "'Org3MSP' in"),
    ({"EndorsementPolicy": {}}, "Chaincodes[0].EndorsementPolicy", "exactly one"),
    ({"EndorsementPolicy": {"ChannelConfigPolicy": "Endorsement"}},
     "Chaincodes[0].EndorsementPolicy.ChannelConfigPolicy", "/Channel/Application/"),
    ({"Collections": [{"Name": "p", "Policy": "AND('Org1MSP.member', 'Org2MSP.member')"}]},
     "Chaincodes[0].Collections[0].Policy", "not an OR concatenation, NOutOf 2"),
    ({"Collections": [{"Name": "p", "Policy": "OR('Org1MSP.member', 'Nope.member')"}]},
     "Chaincodes[0].Collections[0].Policy", "'Nope' in"),
    ({"Collections": [{"Name": "p", "Policy": "OR('Org1MSP.member')", "RequiredPeerCount": 2,
                       "MaxPeerCount": 1}]},
     "Chaincodes[0].Collections[0].MaxPeerCount", "less than RequiredPeerCount"),
    ({"Collections": [{"Name": "p!", "Policy": "OR('Org1MSP.member')"}]},
     "Chaincodes[0].Collections[0].Name", "collection name"),
    ({"Collections": [{"Name": "p", "Policy": "OR('Org1MSP.member')"},
                      {"Name": "p", "Policy": "OR('Org1MSP.member')"}]},
     "Chaincodes[0].Collections[1].Name", "defined twice"),
    ({"Address": "no-port"}, "Chaincodes[0].Address", "host:port"),
    ({"TLS": {"Enabled": False, "ClientAuth": True}}, "Chaincodes[0].TLS.ClientAuth",
     "needs TLS"),
]


@pytest.mark.parametrize(("changes", "path", "fragment"), CASES)
def test_bad_chaincode_configs_get_located_errors(changes: dict[str, Any], path: str,
                                                  fragment: str) -> None:
    expect(run(with_chaincode(**changes)), path, fragment)


def test_an_org_off_the_channel_cannot_run_the_chaincode() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["Channels"] = [{"Name": "one", "Organizations": ["Org1"]}]
        data["Chaincodes"] = [{**CHAINCODE, "Channels": ["one"], "Organizations": ["Org2"],
                               "EndorsementPolicy": None, "Collections": []}]
    expect(run(mutate), "Chaincodes[0].Organizations[0]", "not a member of channel one")


def test_names_that_collide_as_kubernetes_objects_are_refused() -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["Chaincodes"] = [CHAINCODE, {**CHAINCODE, "Name": "Basic"}]
    expect(run(mutate), "Chaincodes[1].Name", "also defined at Chaincodes[0].Name")


def test_an_unknown_key_is_a_shape_error() -> None:
    expect(run(setter("Chaincodes", [{**CHAINCODE, "Sequence": 3}])), "Chaincodes[0].Sequence",
           "Sequence")
