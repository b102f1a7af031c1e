"""Networks with monitoring, and promtool (Debian's ``prometheus`` package; CI installs it)."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from fabgitops.model import Monitoring
from tests.render.networks import NETWORKS, article
from tests.render.support import Compiled, compile_network


def monitored(name: str = "article", **settings: Any) -> dict[str, Any]:
    """A test network (``tests.render.networks``) with a ``Monitoring`` section."""
    base = article() if name == "article" else NETWORKS[name]
    return {**base, "Monitoring": settings}


@cache
def compiled(name: str = "article", operator: bool = True) -> Compiled:
    """A monitored network, compiled once per test process."""
    return compile_network(monitored(name, PrometheusOperator=operator,
                                     Labels={"release": "kube-prometheus-stack"}))


def settings(compiled_network: Compiled) -> Monitoring:
    found = compiled_network.plan.monitoring
    assert found is not None
    return found


def promtool() -> str:
    """The promtool binary, or skip: the tests that evaluate rules need the real one."""
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed (Debian/Ubuntu: apt-get install prometheus; "
                    ".ci/run installs it)")
    return found


def run_promtool(*args: str, cwd: Path) -> str:
    """Run promtool; a non-zero exit fails the test with its output."""
    result = subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
