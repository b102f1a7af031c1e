"""Capability upgrades of running channels: binaries first, then capabilities.

A node that meets a capability it does not support stops (``<Type> capability <name> is
required but not supported``, common/capabilities/capabilities.go), and a capability cannot be
taken back, so Fabric's upgrade order is: every binary first, then the capabilities
(docs/source/updating_capabilities.md). fabgitops derives capabilities from
``Network.FabricVersion`` (2.5: Channel V2_0; 3.1: Channel V3_0), and makes the order explicit:

1. the compile that changes ``FabricVersion`` (the previous one is in ``.fabgitops/state.json``)
   changes the images only: every running channel keeps the capabilities it has;
2. the next compile, once the rollout is done, writes the capability update.

A channel whose capabilities the declared binaries do not support is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from fabgitops.channel._pb import Proto, configtx, configuration

CAPABILITIES = "Capabilities"
# common/capabilities/{channel,orderer,application}.go of each release.
SUPPORTED: Mapping[str, Mapping[str, frozenset[str]]] = {
    "2.5": {
        "Channel": frozenset({"V1_1", "V1_3", "V1_4_2", "V1_4_3", "V2_0"}),
        "Orderer": frozenset({"V1_1", "V1_4_2", "V2_0"}),
        "Application": frozenset({"V1_1", "V1_2", "V1_3", "V1_4_2", "V2_0", "V2_5"}),
    },
    "3.1": {
        "Channel": frozenset({"V1_1", "V1_3", "V1_4_2", "V1_4_3", "V2_0", "V3_0"}),
        "Orderer": frozenset({"V1_1", "V1_4_2", "V2_0"}),
        "Application": frozenset({"V1_1", "V1_2", "V1_3", "V1_4_2", "V2_0", "V2_5"}),
    },
}


def _groups(channel_group: Proto) -> dict[str, Proto]:
    out = {"Channel": channel_group}
    for name in ("Orderer", "Application"):
        if name in channel_group.groups:
            out[name] = channel_group.groups[name]
    return out


def names(group: Proto) -> set[str]:
    """The capabilities a config group requires."""
    if CAPABILITIES not in group.values:
        return set()
    value = configuration.Capabilities.FromString(group.values[CAPABILITIES].value)
    return set(value.capabilities)


def unsupported(channel_group: Proto, fabric_version: str) -> str | None:
    """Why binaries of ``fabric_version`` cannot run a channel with this config, or None."""
    supported = SUPPORTED.get(fabric_version)
    if supported is None:
        return None
    for kind, group in _groups(channel_group).items():
        missing = sorted(names(group) - supported[kind])
        if missing:
            return (f"the channel requires {kind} capability {', '.join(missing)}, which Fabric "
                    f"{fabric_version} binaries do not support (a capability cannot be removed)")
    return None


def hold(base: Proto, desired: Proto) -> Proto:
    """``desired`` with the capabilities ``base`` has (the binaries step of an upgrade)."""
    out = configtx.ConfigGroup()
    out.CopyFrom(desired)
    wanted, current = _groups(out), _groups(base)
    for kind, group in wanted.items():
        before = current.get(kind)
        if before is not None and CAPABILITIES in before.values:
            group.values[CAPABILITIES].CopyFrom(before.values[CAPABILITIES])
    return out
