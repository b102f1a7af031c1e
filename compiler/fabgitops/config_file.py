"""Reading a cluster-config file: the ``load`` and ``validate`` stages behind one call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from fabgitops.errors import ConfigInvalid, Issue
from fabgitops.placement.dials import dial_issues
from fabgitops.placement.place import place
from fabgitops.plan import Plan
from fabgitops.validate import validate
from fabgitops.yamlio import Document, YamlProblems, parse

if TYPE_CHECKING:
    from fabgitops.parties.bundle import OrgBundle

MAX_CONFIG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class LoadedConfig:
    """A valid configuration as its plan, where it came from, and its warnings."""

    path: Path
    raw: bytes
    document: Document
    plan: Plan
    warnings: tuple[Issue, ...]
    bundles: Mapping[str, OrgBundle] = field(default_factory=dict)
    """The checked public bundle of every External org, by org name."""


def read_bytes(path: Path) -> bytes:
    """The content of a YAML input file, refusing files no configuration could need.

    Raises:
        ConfigInvalid: the file cannot be read or is too large.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror}"
        raise ConfigInvalid([Issue(str(path), 0, 0, (), message)]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        message = f"the file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB"
        raise ConfigInvalid([Issue(str(path), 1, 1, (), message)])
    return raw


def read_document(path: Path) -> Document:
    """A YAML file parsed with positions (crypto-config, configtx), not validated.

    Raises:
        ConfigInvalid: the file cannot be read or is not YAML.
    """
    try:
        return parse(read_bytes(path), source=str(path))
    except YamlProblems as exc:
        raise ConfigInvalid(exc.issues) from None


def load(path: Path) -> LoadedConfig:
    """Read and validate a cluster-config file.

    Raises:
        ConfigInvalid: the file cannot be read as YAML or has configuration errors.
    """
    return parse_config(read_bytes(path), source=str(path), path=path)


def parse_config(raw: bytes, *, source: str, path: Path) -> LoadedConfig:
    """Validate cluster-config text already read into memory.

    Raises:
        ConfigInvalid: the text is not YAML or has configuration errors.
    """
    try:
        document = parse(raw, source=source)
    except YamlProblems as exc:
        raise ConfigInvalid(exc.issues) from None
    plan, warnings = validate(document)
    bundles = _bundles(plan, document, path.parent)
    placed = place(plan, bundles)
    unreachable = sorted(dial_issues(placed, document))
    if unreachable:
        raise ConfigInvalid([*unreachable, *warnings])
    return LoadedConfig(path, raw, document, placed, warnings, bundles)


def _bundles(plan: Plan, document: Document, base: Path) -> Mapping[str, OrgBundle]:
    """Other parties' orgs enter the plan from their bundles, read beside the config."""
    if not any(org.external for org in plan.orgs):
        return {}  # the bundle model and its certificate checks need not be imported
    from fabgitops.parties.read import read_bundles

    return read_bundles(plan, document, base, read=read_document)
