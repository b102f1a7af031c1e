"""Local policy evaluation: Fabric's ImplicitMeta thresholds and cauthdsl's signature rules."""

from __future__ import annotations

import pytest

from fabgitops.channel._pb import configtx, msp_config, policies, serialize
from fabgitops.channel.authorize import Signer, Unsatisfiable, choose_signers, evaluate
from fabgitops.channel.policy import parse_implicit_meta, parse_signature


def _signature(rule: str) -> configtx.ConfigPolicy:
    return configtx.ConfigPolicy(mod_policy="Admins", policy=policies.Policy(
        type=policies.Policy.SIGNATURE, value=serialize(parse_signature(rule))))


def _channel(orgs: int, rule: str = "MAJORITY Admins") -> configtx.ConfigGroup:
    root = configtx.ConfigGroup()
    app = root.groups["Application"]
    app.policies["Admins"].CopyFrom(configtx.ConfigPolicy(
        mod_policy="Admins", policy=policies.Policy(
            type=policies.Policy.IMPLICIT_META, value=serialize(parse_implicit_meta(rule)))))
    for i in range(1, orgs + 1):
        org = app.groups[f"Org{i}"]
        org.policies["Admins"].CopyFrom(_signature(f"OR('Org{i}MSP.admin')"))
        # Identities count only for MSPs the channel knows (its MSP values).
        org.values["MSP"].value = serialize(msp_config.MSPConfig(config=serialize(
            msp_config.FabricMSPConfig(name=f"Org{i}MSP"))))
    return root


def _admins(n: int) -> list[Signer]:
    return [Signer(f"Org{i}MSP", f"Admin@org{i}", f"cert{i}".encode()) for i in range(1, n + 1)]


@pytest.mark.parametrize(("orgs", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_majority_needs_n_over_2_plus_1(orgs: int, needed: int) -> None:
    root = _channel(orgs)
    admins = _admins(orgs)
    assert not evaluate(root, "/Channel/Application/Admins", admins[:needed - 1])
    assert evaluate(root, "/Channel/Application/Admins", admins[:needed])
    assert len(choose_signers(root, ["/Channel/Application/Admins"], admins)) == needed


def test_any_and_all_and_no_sub_groups() -> None:
    assert evaluate(_channel(3, "ANY Admins"), "/Channel/Application/Admins", _admins(3)[2:])
    assert not evaluate(_channel(3, "ALL Admins"), "/Channel/Application/Admins", _admins(2))
    # implicitmeta.go: with no sub-groups the threshold is 0, so nobody is needed.
    assert evaluate(_channel(0), "/Channel/Application/Admins", [])


def test_one_signature_counts_once() -> None:
    root = _channel(1)
    root.groups["Application"].groups["Org1"].policies["Both"].CopyFrom(
        _signature("OutOf(2, 'Org1MSP.admin', 'Org1MSP.member')"))
    [admin] = _admins(1)
    assert not evaluate(root, "/Channel/Application/Org1/Both", [admin, admin])  # deduplicated
    other = Signer("Org1MSP", "Admin2@org1", b"cert-b")
    assert evaluate(root, "/Channel/Application/Org1/Both", [admin, other])


def test_unknown_msp_and_missing_policy_never_satisfy() -> None:
    root = _channel(2)
    stranger = Signer("Org9MSP", "Admin@org9", b"x")
    assert not evaluate(root, "/Channel/Application/Org1/Admins", [stranger])
    assert not evaluate(root, "/Channel/Application/Nope", _admins(2))
    with pytest.raises(Unsatisfiable, match="cannot be satisfied by the admins"):
        choose_signers(root, ["/Channel/Application/Admins"], _admins(1))
