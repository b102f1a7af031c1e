"""Walk parsed YAML/JSON: tests assert on keys and values, never on text that may hold base64."""

from __future__ import annotations

from collections.abc import Iterator


def keys(node: object) -> Iterator[str]:
    """Every mapping key anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from keys(item)


def values(node: object, wanted: str) -> Iterator[object]:
    """Every value stored under the key ``wanted`` anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == wanted:
                yield value
            yield from values(value, wanted)
    elif isinstance(node, list):
        for item in node:
            yield from values(item, wanted)
