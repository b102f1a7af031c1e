"""Chaincode definitions and their sequences, managed for the user.

Fabric's ``_lifecycle`` needs sequence ``committed + 1`` for every new definition and refuses a
changed definition at an existing sequence (core/chaincode/lifecycle/lifecycle.go). The
compiler therefore keeps, in ``.fabgitops/state.json``, each chaincode's sequence and a digest of
its definition per channel: an unchanged definition keeps its sequence (the Jobs find it
committed and do nothing), any change (version, package, policy, collections, init flag) takes
the next one. A removed chaincode's record stays in the state, so adding it back never reuses a
sequence that was committed for another definition.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fabgitops.model import ChaincodePolicy, Collection

STATE_KEY = "chaincodes"
REMOVED_KEY = "chaincodes_removed"


@dataclass(frozen=True)
class Definition:
    """What every approving org of a channel approves, with its sequence."""

    name: str
    channel: str
    version: str
    sequence: int
    init_required: bool
    endorsement: ChaincodePolicy | None
    collections: bytes | None
    """The ``--collections-config`` JSON, or None without collections."""
    packages: Mapping[str, str]
    """Package ID by approving org's MSP ID (a package ID is per org, not in Fabric's
    definition; it is part of what an org approves)."""

    def record(self) -> dict[str, Any]:
        """The state record of this definition."""
        return {"sequence": self.sequence, "version": self.version,
                "definition": digest(self.name, self.version, self.init_required,
                                     self.endorsement, self.collections, self.packages),
                "packages": dict(sorted(self.packages.items()))}


def policy_document(policy: ChaincodePolicy) -> dict[str, str]:
    """The collection-config JSON form of a policy (``signaturePolicy``/``channelConfigPolicy``)."""
    if policy.signature is not None:
        return {"signaturePolicy": policy.signature}
    return {"channelConfigPolicy": policy.channel_config_policy or ""}


def collections_config(collections: tuple[Collection, ...]) -> bytes | None:
    """The JSON ``peer lifecycle chaincode approveformyorg --collections-config`` reads
    (internal/peer/chaincode/common.go ``collectionConfigJson``)."""
    if not collections:
        return None
    document = []
    for c in collections:
        entry: dict[str, Any] = {
            "name": c.name, "policy": c.policy, "requiredPeerCount": c.required_peer_count,
            "maxPeerCount": c.max_peer_count, "blockToLive": c.block_to_live,
            "memberOnlyRead": c.member_only_read, "memberOnlyWrite": c.member_only_write}
        if c.endorsement_policy is not None:
            entry["endorsementPolicy"] = policy_document(c.endorsement_policy)
        document.append(entry)
    return (json.dumps(document, indent=2) + "\n").encode()


def digest(name: str, version: str, init_required: bool, endorsement: ChaincodePolicy | None,
           collections: bytes | None, packages: Mapping[str, str]) -> str:
    """SHA-256 over everything that, changed, needs a new sequence."""
    document = {
        "name": name, "version": version, "init_required": init_required,
        "endorsement": policy_document(endorsement) if endorsement else None,
        "collections": json.loads(collections) if collections else None,
        "packages": dict(sorted(packages.items())),
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def next_sequence(previous: Mapping[str, Any] | None, name: str, channel: str,
                  definition_digest: str) -> int:
    """The sequence of a definition given the previous state.

    The recorded sequence when the digest is unchanged, else one more than the last sequence
    this chaincode had on the channel (active or removed), else 1.
    """
    for key in (STATE_KEY, REMOVED_KEY):
        record = _record(previous, key, name, channel)
        if record is not None:
            sequence = int(record.get("sequence", 0))
            return sequence if record.get("definition") == definition_digest else sequence + 1
    return 1


def _record(state: Mapping[str, Any] | None, key: str, name: str,
            channel: str) -> Mapping[str, Any] | None:
    section = (state or {}).get(key)
    if not isinstance(section, dict):
        return None
    chaincode = section.get(name)
    if not isinstance(chaincode, dict):
        return None
    record = chaincode.get(channel)
    return record if isinstance(record, dict) else None


def state_sections(previous: Mapping[str, Any] | None,
                   definitions: list[Definition]) -> dict[str, Any]:
    """The ``chaincodes`` and ``chaincodes_removed`` sections of the new state.

    A chaincode (or channel) that left the config moves to ``chaincodes_removed`` with its last
    record; one that comes back leaves it.
    """
    active: dict[str, dict[str, Any]] = {}
    for definition in definitions:
        active.setdefault(definition.name, {})[definition.channel] = definition.record()
    removed: dict[str, dict[str, Any]] = {}
    for key in (REMOVED_KEY, STATE_KEY):
        section = (previous or {}).get(key)
        for name, channels in (section.items() if isinstance(section, dict) else ()):
            for channel, record in (channels.items() if isinstance(channels, dict) else ()):
                if channel not in active.get(name, {}):
                    removed.setdefault(name, {})[channel] = record
    out: dict[str, Any] = {}
    if active:
        out[STATE_KEY] = active
    if removed:
        out[REMOVED_KEY] = removed
    return out
