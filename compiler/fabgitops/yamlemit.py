"""A fast, deterministic YAML writer for the JSON-like data the compiler generates.

PyYAML's representer is pure Python and was most of a compile's time (a network of 100 orgs
writes about 15,000 files). The compiler only ever writes mappings with string keys, lists,
strings, integers, booleans and nulls, so a direct emitter is enough. Its output is PyYAML's
block style (2-space indent, sequences not indented under their key, sorted keys on request)
and reads back identically with PyYAML and go-yaml: any string that a YAML 1.1 or 1.2 reader
could take for something else is double-quoted, and multi-line strings are literal blocks.
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
# What go-yaml v2 (Kubernetes, Kustomize) or a YAML 1.2 reader could read as a non-string.
_AMBIGUOUS = re.compile(
    r"""(?:y|Y|n|N|~|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)
        |0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
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


def _mapping(data: dict[str, Any], indent: int, sort_keys: bool, out: list[str]) -> None:
    pad = " " * indent
    keys = sorted(data) if sort_keys else list(data)
    for key in keys:
        value = data[key]
        out.append(f"{pad}{scalar(str(key))}:")
        _node_after_key(value, indent, sort_keys, out)


def _node_after_key(value: Any, indent: int, sort_keys: bool, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        if value:
            out.append("\n")
            _mapping(value, indent + 2, sort_keys, out)
        else:
            out.append(" {}\n")
    elif kind is list or kind is tuple:
        if value:
            out.append("\n")
            _sequence(value, indent, sort_keys, out)
        else:
            out.append(" []\n")
    else:
        out.append(_value(value, indent + 2))


def _sequence(
    items: list[Any] | tuple[Any, ...], indent: int, sort_keys: bool, out: list[str]
) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, dict) and item:
            # The first key shares the dash's line; the others align with it.
            inner: list[str] = []
            _mapping(item, indent + 2, sort_keys, inner)
            first = inner[0]
            inner[0] = f"{pad}- {first[indent + 2:]}"
            out.extend(inner)
        elif isinstance(item, list | tuple) and item:
            inner = []
            _sequence(item, indent + 2, sort_keys, inner)
            inner[0] = f"{pad}- {inner[0][indent + 2:]}"
            out.extend(inner)
        else:
            out.append(f"{pad}-")
            _node_after_key(item, indent, sort_keys, out)


def emit(data: Any, *, sort_keys: bool = True) -> str:
    """One YAML document for ``data`` (a mapping, a list or a scalar)."""
    out: list[str] = []
    if isinstance(data, dict) and data:
        _mapping(data, 0, sort_keys, out)
    elif isinstance(data, list | tuple) and data:
        _sequence(data, 0, sort_keys, out)
    elif isinstance(data, dict):
        out.append("{}\n")
    elif isinstance(data, list):
        out.append("[]\n")
    else:
        out.append(_value(data, 0).lstrip(" "))
    return "".join(out)
