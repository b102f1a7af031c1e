"""Chaincode changes in words: the headline of ``diff`` and the commit message.

An upgrade is one phrase (``chaincode basic on mychannel: sequence 1 -> 2, version 1.0 ->
1.1``) however many files it touches (packages, ConfigMaps, Jobs, Deployments).
"""

from __future__ import annotations

from typing import Any

from fabgitops.chaincode.definition import STATE_KEY
from fabgitops.notes import Note


def _section(state: dict[str, Any] | None) -> dict[str, Any]:
    section = (state or {}).get(STATE_KEY)
    return section if isinstance(section, dict) else {}


def describe(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """One phrase per added, removed or redefined chaincode and channel."""
    before, after = _section(old), _section(new)
    phrases = []
    for name, channels in after.items():
        for channel, record in channels.items():
            previous = before.get(name, {}).get(channel) if isinstance(
                before.get(name), dict) else None
            if previous is None:
                phrases.append(f"+chaincode {name} on {channel}: version {record['version']}, "
                               f"sequence {record['sequence']}")
            elif previous.get("definition") != record["definition"]:
                details = [f"sequence {previous.get('sequence')} -> {record['sequence']}"]
                if previous.get("version") != record["version"]:
                    details.append(f"version {previous.get('version')} -> {record['version']}")
                if previous.get("packages") != record["packages"]:
                    details.append("new package")
                phrases.append(f"chaincode {name} on {channel}: {', '.join(details)}")
    for name, channels in before.items():
        for channel in channels if isinstance(channels, dict) else ():
            if channel not in after.get(name, {}):
                phrases.append(f"-chaincode {name} on {channel}")
    return phrases


def removed_chaincode_notes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Note]:
    """What removing a chaincode does not do: Fabric has no "uncommit"."""
    before, after = _section(old), _section(new)
    notes = []
    for name, channels in before.items():
        for channel, record in (channels.items() if isinstance(channels, dict) else ()):
            if channel not in after.get(name, {}):
                notes.append(Note.info(
                    f"chaincode {name} left the config on {channel}: its servers and "
                    "Jobs are removed, but Fabric has no uncommit, so its definition (sequence "
                    f"{record.get('sequence')}) stays committed on the channel and invocations "
                    "fail until it is defined again (a later definition takes the next sequence)"))
    return notes
