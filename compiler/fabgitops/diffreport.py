"""``fabgitops diff``: what a compile would change, per org, kind and object.

Encrypted content (SealedSecrets, SOPS files, the keystore) is only ever reported as changed:
its ciphertext means nothing to a reviewer and its plaintext must never be shown.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from fabgitops.layout import (
    CHAINCODES_DIR,
    CHANNELS_DIR,
    CLUSTERS_DIR,
    OVERLAYS_DIR,
    STATE_DIR,
    is_keystore,
)
from fabgitops.output.changes import Action, Change, Changeset

MARKDOWN_LIMIT = 60_000
"""GitHub refuses comments over 65536 characters; keep room for the summary."""

_SYMBOL = {Action.ADD: "+", Action.CHANGE: "~", Action.REMOVE: "-"}
_WORD = {Action.ADD: "added", Action.CHANGE: "changed", Action.REMOVE: "removed"}


class DiffFormat(StrEnum):
    """Output formats of ``fabgitops diff``."""

    TEXT = "text"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class ObjectChange:
    """One Kubernetes object (or plain file) that changes."""

    group: str
    action: Action
    what: str
    path: str
    secret: bool


def group_of(path: str) -> str:
    """The org (namespace) or area a generated path belongs to."""
    parts = path.split("/")
    if parts[0] == OVERLAYS_DIR and len(parts) > 1:
        return f"namespace {parts[1]}"
    if parts[0] == CHANNELS_DIR and len(parts) > 1:
        return f"channel {parts[1]}"
    if parts[0] == CHAINCODES_DIR and len(parts) > 1:
        return f"chaincode {parts[1]}"
    if parts[0] == CLUSTERS_DIR:
        return "gitops"
    if parts[0] == STATE_DIR:
        return "keystore and state"
    return parts[0]


def _secret_file(path: str, content: bytes) -> bool:
    return is_keystore(path) or b"kind: SealedSecret" in content or (
        b"\nsops:\n" in content) or b"\nkind: Secret\n" in content


def _objects(content: bytes) -> dict[tuple[str, str], Any]:
    try:
        docs = list(yaml.load_all(content, Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    return {
        (str(d.get("kind")), str((d.get("metadata") or {}).get("name", ""))): d
        for d in docs if isinstance(d, dict) and "kind" in d
    }


def object_changes(changes: Changeset) -> Iterator[ObjectChange]:
    """Object-level changes of every changed file."""
    for change in changes.changes:
        group = group_of(change.path)
        secret = _secret_file(change.path, change.old + change.new)
        # Channel YAML views carry a "kind" too, but they are files, not Kubernetes objects.
        plain = change.path.startswith("channels/")
        old = {} if plain else _objects(change.old)
        new = {} if plain else _objects(change.new)
        if not old and not new:
            yield ObjectChange(group, change.action, change.path.rsplit("/", 1)[-1],
                               change.path, secret)
            continue
        for key in sorted(set(old) | set(new)):
            if key not in old:
                action = Action.ADD
            elif key not in new:
                action = Action.REMOVE
            elif old[key] != new[key]:
                action = Action.CHANGE
            else:
                continue
            yield ObjectChange(group, action, f"{key[0]} {key[1]}".strip(), change.path, secret)


def render_diff(changes: Changeset, headline: list[str], fmt: DiffFormat) -> str:
    """The diff report in text or Markdown."""
    objects = list(object_changes(changes))
    if fmt is DiffFormat.MARKDOWN:
        return _markdown(changes, headline, objects)
    return _text(changes, headline, objects)


def _grouped(objects: list[ObjectChange]) -> dict[str, list[ObjectChange]]:
    groups: dict[str, list[ObjectChange]] = {}
    for obj in objects:
        groups.setdefault(obj.group, []).append(obj)
    return groups


def _label(obj: ObjectChange) -> str:
    note = " (sealed values changed)" if obj.secret and obj.action is Action.CHANGE else ""
    return f"{obj.what}{note}"


def _text(changes: Changeset, headline: list[str], objects: list[ObjectChange]) -> str:
    if not changes:
        return "No changes: the output is up to date.\n"
    lines = [f"{p}" for p in headline] + [""] if headline else []
    lines += [line.replace("**", "").replace("`", "") for line in channel_updates(changes)]
    for group, members in _grouped(objects).items():
        lines.append(group)
        lines += [f"  {_SYMBOL[o.action]} {_label(o)}  [{o.path}]" for o in members]
    lines.append("")
    lines += _unified(changes)
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown(changes: Changeset, headline: list[str], objects: list[ObjectChange]) -> str:
    if not changes:
        return "### fabgitops diff\n\nNo changes: the rendered manifests are up to date.\n"
    out = ["### fabgitops diff", ""]
    out += [f"- {p}" for p in headline] + [""]
    out += channel_updates(changes)
    out += ["| area | added | changed | removed |", "| --- | ---: | ---: | ---: |"]
    for group, members in _grouped(objects).items():
        counts = [sum(1 for o in members if o.action is a) for a in _WORD]
        out.append(f"| {group} | " + " | ".join(str(c) for c in counts) + " |")
    out.append("")
    for group, members in _grouped(objects).items():
        out.append(f"**{group}**: " + ", ".join(
            f"{_SYMBOL[o.action]}`{_label(o)}`" for o in members))
    body = "\n".join(_unified(changes))
    if len(body) > MARKDOWN_LIMIT:
        body = body[:MARKDOWN_LIMIT] + "\n... (truncated: run `fabgitops diff` for the rest)"
    out += ["", "<details><summary>Full diff</summary>", "", "```diff", body, "```", "",
            "</details>"]
    return "\n".join(out) + "\n"


def channel_updates(changes: Changeset) -> list[str]:
    """Each new channel config update, readable: what changes, who signs, which policy."""
    out: list[str] = []
    for change in changes.changes:
        parts = change.path.split("/")
        if not (len(parts) == 4 and parts[0] == CHANNELS_DIR and parts[2] == "updates"
                and parts[3].endswith(".yaml") and change.action is Action.ADD):
            continue
        try:
            data = yaml.load(change.new, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        if not isinstance(data, dict):
            continue
        out.append(f"**channel update `{parts[1]}/{parts[3][:-5]}`** (config sequence "
                   f"{data.get('sequence')}):")
        out += [f"- {line}" for line in data.get("changes") or []]
        signers = ", ".join(f"{s.get('msp_id')} ({s.get('identity')})"
                            for s in data.get("signers") or [])
        out.append(f"- signed by: {signers}")
        out += [f"- policy {p.get('policy')} ({p.get('rule')}) for {p.get('element')}: "
                f"{', '.join(p.get('satisfied_by') or []) or 'not satisfied'}"
                for p in data.get("policies") or []]
        out.append("")
    return out


def _unified(changes: Changeset) -> list[str]:
    lines: list[str] = []
    for change in changes.changes:
        lines += _file_diff(change)
    return lines


def _file_diff(change: Change) -> list[str]:
    if is_keystore(change.path):
        what = "certificate" if change.path.endswith(".pem") else "encrypted key or credential"
        return [f"--- {change.path}: {what} {_WORD[change.action]}"]
    if _secret_file(change.path, change.old + change.new):
        return [f"--- {change.path}: encrypted content {_WORD[change.action]}"]
    try:
        old = change.old.decode().splitlines()
        new = change.new.decode().splitlines()
    except UnicodeDecodeError:
        return [f"--- {change.path}: binary file {_WORD[change.action]}"]
    return list(difflib.unified_diff(old, new, f"a/{change.path}", f"b/{change.path}",
                                     lineterm=""))

