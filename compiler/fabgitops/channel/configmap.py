"""What an orderer does with a config update: check it against the config and apply it.

A port of common/configtx (validator.go, update.go, configmap.go) without the signature part,
which ``authorize`` evaluates separately:

- the config and both sets of the update are flattened to ``[Group]  /Channel/...`` keys
  (configmap.go mapConfig; note the two spaces after ``[Group]`` and ``[Value]``);
- every read set key must exist at exactly its version (``verifyReadSet``);
- the delta is every write set key whose version differs from its read set twin
  (``computeDeltaSet``); each needs a mod_policy and the next version of the existing element,
  or version 0 when new (``verifyDeltaSet``);
- the result is the old map overlaid with the delta, rebuilt from the root: a group's children
  are the ones its (possibly new) map entry lists, so children a bumped group omits are deleted
  (configMapToConfig), and the sequence goes up by one (validator.go ProposeConfigUpdate).

The error texts are Fabric's, so a refused update reads as the orderer would have answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fabgitops.channel._pb import Proto, configtx

ROOT = "Channel"
GROUP, VALUE, POLICY = "[Group]  ", "[Value]  ", "[Policy] "


class UpdateRejected(ValueError):
    """An update the orderer would refuse; the message is Fabric's."""


@dataclass(frozen=True)
class Element:
    """One flattened config element: a group, value or policy at a path."""

    kind: str
    """GROUP, VALUE or POLICY."""
    path: tuple[str, ...]
    """The path of the group that holds it, from ``Channel`` (empty for the root group)."""
    name: str
    item: Any

    @property
    def key(self) -> str:
        """Fabric's map key, e.g. ``[Value]  /Channel/Orderer/BatchSize``."""
        return self.kind + "/" + "/".join((*self.path, self.name))

    @property
    def version(self) -> int:
        """The element's version."""
        return int(self.item.version)

    @property
    def mod_policy(self) -> str:
        """The element's mod_policy."""
        return str(self.item.mod_policy)


def flatten(group: Proto) -> dict[str, Element]:
    """configmap.go mapConfig: every element of a channel group by key."""
    out: dict[str, Element] = {}
    _walk(out, (), ROOT, group)
    return out


def _walk(out: dict[str, Element], path: tuple[str, ...], name: str, group: Proto) -> None:
    element = Element(GROUP, path, name, group)
    out[element.key] = element
    inner = (*path, name)
    for key, sub in group.groups.items():
        _walk(out, inner, key, sub)
    for key, value in group.values.items():
        element = Element(VALUE, inner, key, value)
        out[element.key] = element
    for key, policy in group.policies.items():
        element = Element(POLICY, inner, key, policy)
        out[element.key] = element


def delta(config: Proto, update: Proto) -> list[tuple[Element, Element | None]]:
    """The elements an update modifies, each with the existing element it replaces (or None).

    Raises:
        UpdateRejected: the read set is stale or a delta element has a wrong version or no
            mod_policy (Fabric's texts).
    """
    current = flatten(config.channel_group)
    read = flatten(update.read_set)
    for key, element in sorted(read.items()):
        existing = current.get(key)
        if existing is None:
            raise UpdateRejected(f"error validating ReadSet: existing config does not contain "
                                 f"element for {key} but was in the read set")
        if existing.version != element.version:
            raise UpdateRejected(
                f"error validating ReadSet: proposed update requires that key {key} be at "
                f"version {element.version}, but it is currently at version {existing.version}")
    changed: list[tuple[Element, Element | None]] = []
    for key, element in sorted(flatten(update.write_set).items()):
        twin = read.get(key)
        if twin is not None and twin.version == element.version:
            continue
        if not element.mod_policy:
            raise UpdateRejected(f"error validating DeltaSet: invalid mod_policy for element "
                                 f"{key}: mod_policy not set")
        existing = current.get(key)
        expected = 0 if existing is None else existing.version + 1
        if element.version != expected:
            state = ("key does not exist" if existing is None
                     else f"key is at version {existing.version}")
            raise UpdateRejected(f"error validating DeltaSet: attempt to set key {key} to "
                                 f"version {element.version}, but {state}")
        changed.append((element, existing))
    if not changed:
        raise UpdateRejected("error validating DeltaSet: delta set was empty -- update would "
                             "have no effect")
    return changed


def apply(config: Proto, update: Proto) -> Proto:
    """The config after ``update`` (sequence + 1), as the orderer computes it.

    Raises:
        UpdateRejected: the update does not apply to ``config``.
    """
    merged = flatten(config.channel_group)
    for element, _ in delta(config, update):
        merged[element.key] = element
    written = flatten(update.write_set)
    root = _rebuild(merged, (), ROOT)
    result = flatten(root)
    for key in written:
        if key not in result:
            raise UpdateRejected(f"full config did not verify: writeset contained key {key} "
                                 "which did not appear in proposed config")
    return configtx.Config(sequence=config.sequence + 1, channel_group=root)


def _rebuild(merged: dict[str, Element], path: tuple[str, ...], name: str) -> Proto:
    key = GROUP + "/" + "/".join((*path, name))
    stored = merged.get(key)
    if stored is None:
        raise UpdateRejected(f"missing group at path: {key}")
    group = configtx.ConfigGroup(version=stored.item.version, mod_policy=stored.item.mod_policy)
    inner = (*path, name)
    for child in stored.item.groups:
        group.groups[child].CopyFrom(_rebuild(merged, inner, child))
    for kind, field in ((VALUE, "values"), (POLICY, "policies")):
        for child in getattr(stored.item, field):
            entry = merged.get(kind + "/" + "/".join((*inner, child)))
            if entry is None:
                raise UpdateRejected(f"missing {field[:-1]} at path: "
                                     f"{kind}/{'/'.join((*inner, child))}")
            getattr(group, field)[child].CopyFrom(entry.item)
    return group
