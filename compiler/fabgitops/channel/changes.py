"""What a channel config update changes, in words: for the update's YAML, its file name and
``diff --format markdown``.

The two configs are compared decoded (protolator's tree), so a change reads as "BatchTimeout:
2s -> 1s" or "add org Org3 to Application", not as bytes. Certificates are summarised, never
printed.
"""

from __future__ import annotations

import re
from typing import Any

from fabgitops.channel._pb import Proto
from fabgitops.channel.protolator import to_tree

_SLUG_MAX = 48


def describe(base: Proto, target: Proto) -> list[str]:
    """One line per changed element between two ``common.Config`` messages, in path order."""
    out: list[str] = []
    _group(out, (), to_tree(base)["channel_group"] or {}, to_tree(target)["channel_group"] or {})
    return out


def _where(path: tuple[str, ...]) -> str:
    return "/".join(("Channel", *path))


def _group(out: list[str], path: tuple[str, ...], old: dict[str, Any], new: dict[str, Any]) -> None:
    old_groups, new_groups = old.get("groups") or {}, new.get("groups") or {}
    parent = path[-1] if path else "Channel"
    for name in sorted(set(old_groups) | set(new_groups)):
        if name not in new_groups:
            out.append(f"remove org {name} from {parent}")
        elif name not in old_groups:
            out.append(f"add org {name} to {parent}")
        else:
            _group(out, (*path, name), old_groups[name], new_groups[name])
    for field, kind in (("values", "value"), ("policies", "policy")):
        olds, news = old.get(field) or {}, new.get(field) or {}
        for key in sorted(set(olds) | set(news)):
            where = _where((*path, key))
            if key not in news:
                out.append(f"remove {kind} {where}")
            elif key not in olds:
                out.append(f"add {kind} {where}: {_short(news[key].get(kind))}")
            elif olds[key] != news[key]:
                out.append(_changed(where, key, olds[key], news[key], kind))
    if old.get("mod_policy") != new.get("mod_policy"):
        out.append(f"{_where(path)} mod_policy: {old.get('mod_policy')!r} -> "
                   f"{new.get('mod_policy')!r}")


def _changed(where: str, key: str, old: dict[str, Any], new: dict[str, Any], kind: str) -> str:
    if old.get("mod_policy") != new.get("mod_policy"):
        return f"{where} mod_policy: {old.get('mod_policy')!r} -> {new.get('mod_policy')!r}"
    before, after = old.get(kind), new.get(kind)
    if key == "ConsensusType":
        return f"{where}: " + _consensus(before or {}, after or {})
    if key == "MSP":
        fields = _differing((before or {}).get("config") or {}, (after or {}).get("config") or {})
        return f"{where} changed: {', '.join(fields) or 'encoding'}"
    return f"{where}: {_short(before)} -> {_short(after)}"


def _consensus(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = []
    old_meta, new_meta = old.get("metadata") or {}, new.get("metadata") or {}
    old_set = {_endpoint(c): c for c in old_meta.get("consenters") or []}
    new_set = {_endpoint(c): c for c in new_meta.get("consenters") or []}
    added = sorted(set(new_set) - set(old_set))
    removed = sorted(set(old_set) - set(new_set))
    rotated = sorted(k for k in set(old_set) & set(new_set) if old_set[k] != new_set[k])
    if added:
        parts.append(f"add consenter {', '.join(added)}")
    if removed:
        parts.append(f"remove consenter {', '.join(removed)}")
    if rotated:
        parts.append(f"new TLS certificate for consenter {', '.join(rotated)}")
    if old.get("type") != new.get("type") or old.get("state") != new.get("state"):
        parts.append(f"type/state {old.get('type')}/{old.get('state')} -> "
                     f"{new.get('type')}/{new.get('state')}")
    if old_meta.get("options") != new_meta.get("options"):
        parts.append(f"options {_short(old_meta.get('options'))} -> "
                     f"{_short(new_meta.get('options'))}")
    return "; ".join(parts) or "metadata changed"


def _endpoint(consenter: dict[str, Any]) -> str:
    return f"{consenter.get('host')}:{consenter.get('port')}"


def _differing(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _short(value: Any) -> str:
    """A value on one line, with PEM material elided."""
    text = re.sub(r"-----BEGIN [^-]+-----[^-]*-----END [^-]+-----\n?", "<cert>",
                  _flat(value))
    return text if len(text) <= 200 else text[:197] + "..."


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flat(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    if isinstance(value, str) and len(value) > 64:
        return "<" + str(len(value)) + " chars>"
    return str(value)


def slug(lines: list[str]) -> str:
    """A file-name slug for an update: ``add-org3``, ``batchtimeout``, ``consenters``."""
    words: list[str] = []
    for line in lines:
        word = _slug_word(line)
        if word not in words:
            words.append(word)
    # Membership first: "consenters-ordererorg-endpoints" says what matters in a listing.
    words.sort(key=lambda w: 0 if w.startswith(("add-", "remove-")) else
               1 if w == "consenters" else 2)
    text = "-".join(words)
    if len(text) > _SLUG_MAX:
        text = text[:_SLUG_MAX].rsplit("-", 1)[0] + "-and-more"
    return text or "update"


def _slug_word(line: str) -> str:
    org = re.match(r"(add|remove) org (\S+)", line)
    if org:
        return f"{org.group(1)}-{org.group(2)}".lower()
    if "consenter" in line:
        return "consenters"
    path = line.split(":", 1)[0].split()
    leaf = path[-1].rsplit("/", 2) if path else ["update"]
    if leaf[-1] in ("AnchorPeers", "Endpoints", "MSP") and len(leaf) > 1:
        return re.sub(r"[^a-z0-9]+", "-", f"{leaf[-2]}-{leaf[-1]}".lower()).strip("-")
    return re.sub(r"[^a-z0-9]+", "-", leaf[-1].lower()).strip("-") or "update"
