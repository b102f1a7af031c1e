"""Genesis across parties: one party compiles a channel's genesis block from the others'
bundles; every other party checks it against its own config before adopting it.

The block's bytes carry a random nonce and a timestamp, so two parties never build the same
bytes; they build the same *config*. Verifying decodes the block and compares its config with
the one this party would build, field by field (the channel stage's own comparison). A party
that adopts the block then keeps its exact bytes: every party's peers join with the same
block 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fabgitops.channel import artifacts, profile
from fabgitops.channel.envelope import read_config_block
from fabgitops.channel.msp import MaterialFiles
from fabgitops.channel.protolator import to_tree
from fabgitops.plan import Plan

MAX_SHOWN = 20


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying a block against this party's config."""

    channel: str
    differences: tuple[str, ...]
    """``path: theirs -> ours`` per differing field (at most ``MAX_SHOWN``); empty: equal."""
    problem: str | None = None
    """Why the block could not be compared at all."""

    @property
    def matches(self) -> bool:
        """The block is the genesis block this party's config describes."""
        return self.problem is None and not self.differences


def verify_genesis(plan: Plan, material: Mapping[str, bytes], block: bytes,
                   channel: str | None) -> Verdict:
    """Compare a genesis block with the config this party compiles for its channel."""
    decoded = read_config_block(block)
    if decoded is None:
        return Verdict(channel or "?", (), "the file is not a config block")
    channel_id, config = decoded
    name = channel or channel_id
    if channel_id != name:
        return Verdict(name, (), f"the block is for channel {channel_id}, not {name}")
    if plan.consensus.uses_system_channel:
        return Verdict(name, (), "kafka and solo networks create channels from a system "
                       "channel; only channel-participation genesis blocks can be shared")
    wanted = next((c for c in plan.channels if c.name == name), None)
    if wanted is None:
        known = ", ".join(c.name for c in plan.channels) or "none"
        return Verdict(name, (), f"this config has no channel {name} (its channels: {known})")
    files = MaterialFiles(material)
    desired = artifacts.genesis_config(profile.application_channel(plan, wanted, files), files)
    theirs, ours = dict(_leaves(to_tree(config))), dict(_leaves(to_tree(desired)))
    differing = sorted(k for k in theirs.keys() | ours.keys() if theirs.get(k) != ours.get(k))
    shown = tuple(f"{k}: {_short(theirs.get(k))} -> {_short(ours.get(k))}"
                  for k in differing[:MAX_SHOWN])
    if len(differing) > MAX_SHOWN:
        shown += (f"... and {len(differing) - MAX_SHOWN} more",)
    return Verdict(name, shown)


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, f"{path}[{i}]")
    else:
        yield path, node


def _short(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
