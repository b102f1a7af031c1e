"""A fast, deterministic YAML writer for the JSON-like data the compiler generates.

PyYAML's representer is pure Python and was most of a compile's time (a network of 100 orgs
writes about 15,000 files). The compiler only ever writes mappings with string keys, lists,
strings, integers, booleans and nulls, so a direct emitter is enough. Its output is PyYAML's
block style (2-space indent, sequences not indented under their key) and reads back identically
with PyYAML and go-yaml: any string that a YAML 1.1 or 1.2 reader could take for something
else is double-quoted, and multi-line strings are literal blocks.

Keys come in one of three orders: as given, sorted, or Kubernetes' customary order for
manifests (:func:`emit_manifest`), where a reviewer reads what an object is before what it holds:
``apiVersion``, ``kind``, ``metadata`` first, then the body; a ``name`` (of metadata, a
container, a volume, an env var) first in its mapping, then ``namespace``, ``labels``,
``annotations`` and a container's ``image``; everything else sorted. Maps whose keys are data
rather than schema (labels, annotations, ConfigMap and Secret data, selectors) stay sorted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml.resolver

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()

# Plain scalars: no indicator at the start, nothing that starts a comment, a mapping value,
# an alias, a tag, a flow collection or a quoted scalar anywhere.
_PLAIN = re.compile(r"(?:[A-Za-z0-9_./(=+$^~\\]|-(?=[^ ]))[^\"'#&*!|>%@`\[\]{},\t\n\r]*")
# What go-yaml (Kubernetes, Kustomize, sops) or a YAML 1.2 reader could read as a non-string;
# go-yaml parses integers with Go's strconv, which also takes the upper-case prefixes 0O 0X 0B.
_AMBIGUOUS = re.compile(
    r"""(?:y|Y|n|N|~|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|0[bB][01_]+|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)""",
    re.X,
)
# Characters that need an escape: outside YAML's printable set, and the YAML 1.1 line breaks
# (NEL, LS, PS) and the byte order mark, which readers treat specially.
_UNPRINTABLE = re.compile(
    "[^\n\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


@lru_cache(maxsize=65536)
def scalar(text: str) -> str:
    """One-line representation of a string: plain when unambiguous, else double-quoted."""
    if (
        _PLAIN.fullmatch(text)
        and not _UNPRINTABLE.search(text)
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and not _AMBIGUOUS.fullmatch(text)
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG  # type: ignore[no-untyped-call]
    ):
        return text
    return _quoted(text)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _quoted(text: str) -> str:
    """A double-quoted scalar; characters YAML forbids in a stream are escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _UNPRINTABLE.match(char):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _literal(text: str, indent: int) -> str | None:
    """A literal block (``|``) for multi-line text, or None when one cannot hold it exactly."""
    if _UNPRINTABLE.search(text) or "\r" in text or not text.strip():
        return None
    lines = text.split("\n")
    if text.endswith("\n\n"):
        chomp, lines = "+", lines[:-1]
    elif text.endswith("\n"):
        chomp, lines = "", lines[:-1]
    else:
        chomp = "-"
    # The first non-empty line sets a block's indentation: state it when that line starts with
    # a space.
    first = next((line for line in lines if line), "")
    indicator = "2" if first.startswith(" ") else ""
    pad = " " * indent
    body = "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
    return f"|{indicator}{chomp}\n{body}"


def _value(value: Any, indent: int) -> str:
    """A scalar placed after ``key:`` or ``-``, with its line ending."""
    if isinstance(value, str):  # by far the most common: test it first
        if "\n" in value:
            block = _literal(value, indent)
            if block is not None:
                return " " + block
        return f" {scalar(value)}\n"
    if value is None:
        return " null\n"
    if value is True:
        return " true\n"
    if value is False:
        return " false\n"
    if isinstance(value, int | float):
        return f" {value!r}\n"
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


# Key orders; a mapping's order is chosen by its parent, so the order of each child is known
# without looking at the mapping's content.
_GIVEN, _SORTED, _NESTED, _DOCUMENT = range(4)

_DOCUMENT_FIRST = (
    "apiVersion", "kind", "metadata", "type",
    # A kustomization.yaml reads top-down: where, what, then what is changed.
    "namespace", "resources", "components", "configMapGenerator", "generatorOptions",
    "labels", "patches", "images",
    "spec", "data", "binaryData", "stringData",
)
_NESTED_FIRST = ("apiVersion", "kind", "metadata", "name", "namespace", "labels",
                 "annotations", "image")
_DATA_MAPS = frozenset({"labels", "annotations", "data", "binaryData", "stringData",
                        "encryptedData", "matchLabels", "selector", "nodeSelector", "pairs"})
"""Mappings keyed by data, not schema: sorted, so that a data key that happens to be called
``name`` or ``kind`` is not moved (and a SOPS MAC over ``data`` sees the order it expects)."""
_RANKS = ({key: i for i, key in enumerate(_DOCUMENT_FIRST)},
          {key: i for i, key in enumerate(_NESTED_FIRST)})


@lru_cache(maxsize=4096)
def _manifest_keys(keys: tuple[str, ...], document: bool) -> tuple[str, ...]:
    # Generated manifests repeat a few key sets (env entries, volume mounts) thousands of
    # times: the order of each set is computed once.
    rank = _RANKS[0] if document else _RANKS[1]
    last = len(rank)
    return tuple(sorted(keys, key=lambda k: (rank.get(k, last), k)))


def _mapping(data: dict[str, Any], indent: int, order: int, out: list[str]) -> None:
    pad = " " * indent
    if order == _SORTED:
        keys: Any = sorted(data)
    elif order == _GIVEN:
        keys = data
    else:
        keys = _manifest_keys(tuple(data), order == _DOCUMENT)
    for key in keys:
        value = data[key]
        out.append(f"{pad}{scalar(str(key))}:")
        child = order
        if order >= _NESTED:
            child = _SORTED if key in _DATA_MAPS else _NESTED
        _node_after_key(value, indent, child, out)


def _node_after_key(value: Any, indent: int, order: int, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        if value:
            out.append("\n")
            _mapping(value, indent + 2, order, out)
        else:
            out.append(" {}\n")
    elif kind is list or kind is tuple:
        if value:
            out.append("\n")
            _sequence(value, indent, order, out)
        else:
            out.append(" []\n")
    else:
        out.append(_value(value, indent + 2))


def _sequence(items: list[Any] | tuple[Any, ...], indent: int, order: int, out: list[str]
              ) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            # The first key shares the dash's line; the others align with it.
            inner: list[str] = []
            _mapping(item, indent + 2, order, inner)
            first = inner[0]
            inner[0] = f"{pad}- {first[indent + 2:]}"
            out.extend(inner)
        elif isinstance(item, list | tuple) and item:
            inner = []
            _sequence(item, indent + 2, order, inner)
            inner[0] = f"{pad}- {inner[0][indent + 2:]}"
            out.extend(inner)
        else:
            out.append(f"{pad}-")
            _node_after_key(item, indent, order, out)


def _emit(data: Any, order: int) -> str:
    out: list[str] = []
    if isinstance(data, dict) and data:
        _mapping(data, 0, order, out)
    elif isinstance(data, list | tuple) and data:
        _sequence(data, 0, _NESTED if order == _DOCUMENT else order, out)
    elif isinstance(data, dict):
        out.append("{}\n")
    elif isinstance(data, list):
        out.append("[]\n")
    else:
        out.append(_value(data, 0).lstrip(" "))
    return "".join(out)


def emit(data: Any, *, sort_keys: bool = True) -> str:
    """One YAML document for ``data`` (a mapping, a list or a scalar), keys sorted or as given."""
    return _emit(data, _SORTED if sort_keys else _GIVEN)


def emit_manifest(data: Any) -> str:
    """One Kubernetes object (or kustomization.yaml) as YAML, keys in the customary order."""
    return _emit(data, _DOCUMENT)
