"""The ciphertexts a compile wrote, and an exact check that none of them leaks into a text.

Why exact: a report that shows public certificates (random base64) contains any short base64
string by chance, so "no 'AgB' in the report" fails at random. The property that matters is
that no sealed value, nor any long piece of one, is shown; checking every 16-character window
of every real ciphertext decides that without chance (a random 16-character base64 match has
probability 2^-96 per position).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import yaml

WINDOW = 16
"""The shortest piece of a ciphertext that counts as leaked."""

_SOPS_VALUE = re.compile(r"ENC\[[^\]]*\]")


def ciphertexts(tree: Mapping[str, bytes]) -> set[str]:
    """Every sealed value in ``tree``: SealedSecret ``encryptedData`` and SOPS ``ENC[...]``."""
    found: set[str] = set()
    for path, data in tree.items():
        if not path.endswith((".yaml", ".yml")):
            continue
        text = data.decode()
        found.update(_SOPS_VALUE.findall(text))
        if "SealedSecret" in text:
            for document in yaml.safe_load_all(text):
                found.update(_encrypted_data(document))
    return found


def _encrypted_data(document: object) -> Iterable[str]:
    if isinstance(document, dict) and document.get("kind") == "SealedSecret":
        values = document.get("spec", {}).get("encryptedData", {})
        yield from (str(v) for v in values.values())


def leaked(text: str, sealed: Iterable[str]) -> list[str]:
    """The ciphertexts of which some ``WINDOW``-character piece appears in ``text``."""
    windows = {text[i:i + WINDOW] for i in range(len(text) - WINDOW + 1)}
    return [
        value for value in sealed
        if any(value[i:i + WINDOW] in windows for i in range(len(value) - WINDOW + 1))
    ]
