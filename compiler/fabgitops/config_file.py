"""Reading a cluster-config file: the ``load`` and ``validate`` stages behind one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fabgitops.errors import ConfigInvalid, Issue
from fabgitops.model import ClusterConfig
from fabgitops.validate import validate
from fabgitops.yamlio import Document, YamlProblems, parse

MAX_CONFIG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class LoadedConfig:
    """A valid configuration, where it came from, and its warnings."""

    path: Path
    raw: bytes
    document: Document
    config: ClusterConfig
    warnings: tuple[Issue, ...]


def load(path: Path) -> LoadedConfig:
    """Read and validate a cluster-config file.

    Raises:
        ConfigInvalid: the file cannot be read as YAML or has configuration errors.
    """
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror}"
        raise ConfigInvalid([Issue(source, 0, 0, (), message)]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        message = f"the file is larger than {MAX_CONFIG_BYTES // 1024 // 1024} MiB"
        raise ConfigInvalid([Issue(source, 1, 1, (), message)])
    return parse_config(raw, source=source, path=path)


def parse_config(raw: bytes, *, source: str, path: Path) -> LoadedConfig:
    """Validate cluster-config text already read into memory.

    Raises:
        ConfigInvalid: the text is not YAML or has configuration errors.
    """
    try:
        document = parse(raw, source=source)
    except YamlProblems as exc:
        raise ConfigInvalid(exc.issues) from None
    config, warnings = validate(document)
    return LoadedConfig(path, raw, document, config, warnings)
