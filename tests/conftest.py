"""Shared fixtures: paths of the repository, and running the CLI in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "examples" / "article" / "cluster-config.yaml"


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a cluster-config text into a temporary directory and return its path."""

    def write(text: str, name: str = "cluster-config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
