"""update.compute: the read/write set rules of configtxlator's update.Compute."""

from __future__ import annotations

import pytest

from fabgitops.channel._pb import configtx, policies
from fabgitops.channel.update import compute


def _group() -> configtx.ConfigGroup:
    group = configtx.ConfigGroup(mod_policy="Admins", version=3)
    group.values["A"].CopyFrom(configtx.ConfigValue(value=b"a", mod_policy="Admins", version=2))
    group.values["B"].CopyFrom(configtx.ConfigValue(value=b"b", mod_policy="Admins"))
    group.policies["P"].CopyFrom(configtx.ConfigPolicy(
        policy=policies.Policy(type=3, value=b"x"), mod_policy="Admins", version=1))
    sub = group.groups["Sub"]
    sub.version = 5
    sub.values["S"].CopyFrom(configtx.ConfigValue(value=b"s", mod_policy="Admins"))
    return group


def test_no_difference_is_an_error() -> None:
    with pytest.raises(ValueError, match="no differences detected"):
        compute(_group(), _group())


def test_changed_value_is_written_with_the_next_version() -> None:
    updated = _group()
    updated.values["A"].value = b"A"
    result = compute(_group(), updated)
    # Membership unchanged: the group keeps its version and mod_policy stays empty.
    assert result.read_set == configtx.ConfigGroup(version=3)
    expected = configtx.ConfigGroup(version=3)
    expected.values["A"].CopyFrom(configtx.ConfigValue(value=b"A", mod_policy="Admins",
                                                       version=3))
    assert result.write_set == expected


def test_new_member_bumps_the_group_and_lists_unchanged_siblings() -> None:
    updated = _group()
    updated.values["C"].CopyFrom(configtx.ConfigValue(value=b"c", mod_policy="Admins"))
    result = compute(_group(), updated)
    read = configtx.ConfigGroup(version=3)
    for key, version in (("A", 2), ("B", 0)):
        read.values[key].version = version
    read.policies["P"].version = 1
    read.groups["Sub"].version = 5
    assert result.read_set == read
    write = configtx.ConfigGroup()
    write.CopyFrom(read)
    write.version = 4
    write.mod_policy = "Admins"
    write.values["C"].CopyFrom(configtx.ConfigValue(value=b"c", mod_policy="Admins"))
    assert result.write_set == write


def test_changed_sub_group_only() -> None:
    updated = _group()
    updated.groups["Sub"].values["S"].mod_policy = "Other"
    result = compute(_group(), updated)
    assert result.read_set.groups["Sub"] == configtx.ConfigGroup(version=5)
    assert result.write_set.groups["Sub"].values["S"] == configtx.ConfigValue(
        value=b"s", mod_policy="Other", version=1)
    assert list(result.write_set.values) == []
    assert result.write_set.version == 3


def test_new_group_is_written_whole_at_version_zero() -> None:
    updated = _group()
    new = updated.groups["New"]
    new.mod_policy = "Admins"
    new.version = 9
    new.values["N"].CopyFrom(configtx.ConfigValue(value=b"n", mod_policy="Admins", version=4))
    result = compute(_group(), updated)
    written = result.write_set.groups["New"]
    assert written.version == 0
    assert written.mod_policy == "Admins"
    assert written.values["N"] == configtx.ConfigValue(value=b"n", mod_policy="Admins")
    assert result.write_set.version == 4
