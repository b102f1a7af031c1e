"""What a compile changed, in words: the commit message and the headline of ``diff``.

The compiler records a small summary of the network in ``.fabgitops/state.json``; comparing the
previous one with the new one says "org2 +peer2; channel mychannel: BatchTimeout 2s -> 1s"
instead of "17 files changed".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fabgitops.chaincode import summary as chaincode_summary
from fabgitops.layout import STATE_FILE
from fabgitops.output.changes import Action, Changeset
from fabgitops.plan import Plan

STATE = STATE_FILE
MAX_SUBJECT = 200


def config_digest(raw: bytes) -> str:
    """SHA-256 of the configuration file, recorded in the state and the commit message."""
    return hashlib.sha256(raw).hexdigest()


def network_state(plan: Plan, digest: str) -> dict[str, Any]:
    """The facts a reviewer cares about, as plain data."""
    consensus = plan.consensus
    orderer = {
        "Consensus": consensus.type.value,
        "BatchTimeout": consensus.batch_timeout,
        "MaxMessageCount": consensus.max_message_count,
        "AbsoluteMaxBytes": consensus.absolute_max_bytes,
        "PreferredMaxBytes": consensus.preferred_max_bytes,
    }
    return {
        "config": f"sha256:{digest}",
        "fabric": plan.fabric_version.value,
        "orgs": {
            org.domain: {"nodes": [n.hostname for n in org.nodes],
                         "users": [u.common_name.split("@")[0] for u in org.users]}
            for org in plan.orgs
        },
        "channels": {
            channel.name: {"orgs": list(channel.peer_orgs), **orderer}
            for channel in plan.channels
        },
    }


def state_bytes(state: dict[str, Any]) -> bytes:
    """The state file's content."""
    return (json.dumps(state, indent=2, sort_keys=True) + "\n").encode()


def load_state(raw: bytes | None) -> dict[str, Any] | None:
    """The previous state, or None when absent or unreadable (a first compile)."""
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except ValueError:
        return None
    return state if isinstance(state, dict) else None


def _members(old: list[str], new: list[str]) -> list[str]:
    return [f"+{x}" for x in new if x not in old] + [f"-{x}" for x in old if x not in new]


def describe(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """Phrases naming each change of the network, in a stable order."""
    if old is None:
        return [f"initial network: {len(new['orgs'])} orgs, {len(new['channels'])} channels"]
    phrases = []
    if old.get("fabric") != new["fabric"]:
        phrases.append(f"Fabric {old.get('fabric')} -> {new['fabric']}")
    old_orgs, new_orgs = old.get("orgs", {}), new["orgs"]
    phrases += [f"+org {d}" for d in new_orgs if d not in old_orgs]
    phrases += [f"-org {d}" for d in old_orgs if d not in new_orgs]
    for domain, org in new_orgs.items():
        if domain in old_orgs:
            moved = _members(old_orgs[domain].get("nodes", []), org["nodes"])
            moved += _members(old_orgs[domain].get("users", []), org["users"])
            if moved:
                phrases.append(f"{domain} {' '.join(moved)}")
    old_channels, new_channels = old.get("channels", {}), new["channels"]
    phrases += [f"+channel {c}" for c in new_channels if c not in old_channels]
    phrases += [f"-channel {c}" for c in old_channels if c not in new_channels]
    for name, channel in new_channels.items():
        before = old_channels.get(name)
        if before is None:
            continue
        details = [" ".join(_members(before.get("orgs", []), channel["orgs"]))] if (
            before.get("orgs") != channel["orgs"]) else []
        details += [f"{key} {before.get(key)} -> {value}" for key, value in channel.items()
                    if key != "orgs" and before.get(key) != value]
        if details:
            phrases.append(f"channel {name}: {', '.join(details)}")
    return phrases + chaincode_summary.describe(old, new)


def commit_message(phrases: list[str], changes: Changeset, new: dict[str, Any],
                   config_name: str) -> str:
    """``fabgitops: <what changed>`` plus the file counts and the config's hash."""
    subject = "; ".join(phrases) or "regenerated output"
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 3] + "..."
    counts = ", ".join(f"{changes.count(a)} {word}" for a, word in (
        (Action.ADD, "added"), (Action.CHANGE, "changed"), (Action.REMOVE, "removed")))
    paragraphs = [f"fabgitops: {subject}", "\n".join(f"- {p}" for p in phrases),
                  f"Files: {counts}\nConfig: {config_name} {new['config']}"]
    return "\n\n".join(p for p in paragraphs if p) + "\n"
