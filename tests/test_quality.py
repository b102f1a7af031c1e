"""The code stays ruff- and mypy --strict-clean: part of the one test command."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import REPO, tool


def test_ruff() -> None:
    result = subprocess.run([tool("ruff"), "check", "."], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict() -> None:
    result = subprocess.run([tool("mypy")], cwd=REPO, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
