"""Names of a package loaded on first use (PEP 562 ``__getattr__``).

Why: ``fabgitops --help`` and ``validate`` must start in a blink, and a package's ``__init__``
that imported all its modules would pull protobuf and the crypto stages into every command.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def module_getattr(package: str, namespace: MutableMapping[str, Any],
                   homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``homes[name]`` (a module path) on first access
    of ``name`` and caches the value in the package's ``namespace`` (its ``globals()``)."""

    def load(name: str) -> Any:
        module = homes.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return load
