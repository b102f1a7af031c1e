"""The read set / write set difference of two configs, a port of configtxlator's update.Compute.

internal/configtxlator/update/update.go is what configtxgen uses for ``-outputCreateChannelTx``
and ``-outputAnchorPeersUpdate``. The rules that shape the result:

- an element that is unchanged appears (as a bare ``{version}``) only when its parent group's
  membership or mod_policy changed; otherwise it is left out;
- a changed value or policy gets ``version + 1``; a new one version 0;
- a group whose membership or mod_policy changed gets ``version + 1`` and its mod_policy in the
  write set; a group with only changed members keeps its version and gets no mod_policy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fabgitops.channel._pb import Proto, configtx

_Sets = tuple[dict[str, Any], dict[str, Any], dict[str, Any], bool]


def _items_update(original: Any, updated: Any, same: Callable[[Any, Any], bool],
                  make: Callable[..., Proto]) -> _Sets:
    """computePoliciesMapUpdate / computeValuesMapUpdate (they differ only in ``same``)."""
    read: dict[str, Any] = {}
    write: dict[str, Any] = {}
    same_set: dict[str, Any] = {}
    members_updated = False
    for name, old in original.items():
        if name not in updated:
            members_updated = True
            continue
        new = updated[name]
        if old.mod_policy == new.mod_policy and same(old, new):
            same_set[name] = make(version=old.version)
            continue
        write[name] = _copy(new, make, version=old.version + 1)
    for name, new in updated.items():
        if name not in original:
            members_updated = True
            write[name] = _copy(new, make, version=0)
    return read, write, same_set, members_updated


def _copy(item: Any, make: Callable[..., Proto], *, version: int) -> Proto:
    out = make(version=version, mod_policy=item.mod_policy)
    if make is configtx.ConfigPolicy:
        if item.HasField("policy"):
            out.policy.CopyFrom(item.policy)
    else:
        out.value = item.value
    return out


def _policy_equal(a: Any, b: Any) -> bool:
    # proto.Equal on the Policy messages; a missing policy equals only a missing policy.
    return bool(a.HasField("policy") == b.HasField("policy") and a.policy == b.policy)


def _value_equal(a: Any, b: Any) -> bool:
    return bool(a.value == b.value)  # bytes.Equal


def _groups_update(original: Any, updated: Any) -> _Sets:
    read: dict[str, Any] = {}
    write: dict[str, Any] = {}
    same_set: dict[str, Any] = {}
    members_updated = False
    for name, old in original.items():
        if name not in updated:
            members_updated = True
            continue
        group_read, group_write, changed = _group_update(old, updated[name])
        if not changed:
            same_set[name] = group_read
            continue
        read[name] = group_read
        write[name] = group_write
    for name, new in updated.items():
        if name in original:
            continue
        members_updated = True
        _, group_write, _ = _group_update(configtx.ConfigGroup(), new)
        added = configtx.ConfigGroup(version=0, mod_policy=new.mod_policy)
        _fill(added, group_write.policies, group_write.values, group_write.groups)
        write[name] = added
    return read, write, same_set, members_updated


def _fill(group: Proto, policies: Any, values: Any, groups: Any) -> None:
    for key, policy in policies.items():
        group.policies[key].CopyFrom(policy)
    for key, value in values.items():
        group.values[key].CopyFrom(value)
    for key, sub in groups.items():
        group.groups[key].CopyFrom(sub)


def _group_update(original: Any, updated: Any) -> tuple[Proto, Proto, bool]:
    """computeGroupUpdate: (read set, write set, whether anything changed)."""
    read_p, write_p, same_p, p_members = _items_update(
        original.policies, updated.policies, _policy_equal, configtx.ConfigPolicy)
    read_v, write_v, same_v, v_members = _items_update(
        original.values, updated.values, _value_equal, configtx.ConfigValue)
    read_g, write_g, same_g, g_members = _groups_update(original.groups, updated.groups)
    version = original.version
    if not (p_members or v_members or g_members or original.mod_policy != updated.mod_policy):
        if not (read_p or write_p or read_v or write_v or read_g or write_g):
            return (configtx.ConfigGroup(version=version), configtx.ConfigGroup(version=version),
                    False)
        read = configtx.ConfigGroup(version=version)
        write = configtx.ConfigGroup(version=version)
        _fill(read, read_p, read_v, read_g)
        _fill(write, write_p, write_v, write_g)
        return read, write, True
    read = configtx.ConfigGroup(version=version)
    write = configtx.ConfigGroup(version=version + 1, mod_policy=updated.mod_policy)
    _fill(read, {**read_p, **same_p}, {**read_v, **same_v}, {**read_g, **same_g})
    _fill(write, {**write_p, **same_p}, {**write_v, **same_v}, {**write_g, **same_g})
    return read, write, True


def compute(original: Proto, updated: Proto) -> Proto:
    """The ``common.ConfigUpdate`` that turns channel group ``original`` into ``updated``.

    Raises:
        ValueError: the two groups are equal (update.go: "no differences detected").
    """
    read, write, changed = _group_update(original, updated)
    if not changed:
        raise ValueError("no differences detected between original and updated config")
    return configtx.ConfigUpdate(read_set=read, write_set=write)
