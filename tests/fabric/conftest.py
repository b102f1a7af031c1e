"""Real Fabric on loopback: compile a network, run its manifests with the harness (cluster.py).

Needs ``FABRIC_BIN`` (orderer, peer, osnadmin, configtxlator) and the matching ``sampleconfig``
in ``FABRIC_CONFIG`` (default ``$FABRIC_BIN/../config``, the layout of Fabric's release
archives), root for the private network namespace, and ``kubectl`` from the test extras.
docs/fabric-harness.md says how to build the binaries offline.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fabgitops import crypto
from fabgitops.deliver import GitOptions, Mode, run
from fabgitops.gather import Environment, Request
from fabgitops.keystore.identity import AgeIdentity
from tests.conftest import tool

from .cluster import Cluster

BINARIES = ("orderer", "peer", "osnadmin", "configtxlator")


@dataclass(frozen=True)
class Fabric:
    """Where the Fabric binaries and their sample configuration are."""

    bin: Path
    config: Path

    @property
    def version(self) -> str:
        """``3.1`` or ``2.5``: ``FABRIC_VERSION``, else ``peer version``, else the directory
        name (binaries built without Fabric's ldflags report ``latest``)."""
        for text in (os.environ.get("FABRIC_VERSION", ""), subprocess.run(
                [str(self.bin / "peer"), "version"], capture_output=True, text=True,
                check=False).stdout, str(self.bin)):
            match = re.search(r"\b(?:v)?(3\.1|2\.5)(?:\.\d+)?\b", text)
            if match:
                return match.group(1)
        raise AssertionError(f"cannot tell the Fabric version of {self.bin}; set FABRIC_VERSION")


def fabric_or_skip() -> Fabric:
    """The binaries named by the environment, or skip the test saying what is missing."""
    raw = os.environ.get("FABRIC_BIN")
    if not raw:
        pytest.skip("FABRIC_BIN is not set: real-Fabric tests need the binaries "
                    "(docs/fabric-harness.md)")
    bin_dir = Path(raw)
    missing = [b for b in BINARIES if not (bin_dir / b).is_file()]
    if missing:
        pytest.skip(f"FABRIC_BIN={bin_dir} lacks {', '.join(missing)}")
    config = Path(os.environ.get("FABRIC_CONFIG", bin_dir.parent / "config"))
    if not (config / "core.yaml").is_file():
        pytest.skip(f"no core.yaml in {config}: set FABRIC_CONFIG to Fabric's sampleconfig")
    if os.geteuid() != 0:
        pytest.skip("the loopback harness needs root (a private network namespace)")
    return Fabric(bin_dir, config)


class Compiler:
    """Compiles one network repository again and again, as a user edits its config."""

    def __init__(self, root: Path, home: Path) -> None:
        self.root = root
        self.config = root / "cluster-config.yaml"
        self.identity = AgeIdentity.generate("fabric harness")
        self.home = home
        root.mkdir(parents=True, exist_ok=True)

    def compile(self, text: str, *, renew: bool = False) -> Path:
        """Write ``text`` as the config and compile it (plain Secrets, no GitOps objects);
        ``renew``: ``compile --renew`` (every leaf certificate reissued with its key)."""
        self.config.write_text(text)
        env = Environment(
            environ={"FABGITOPS_AGE_IDENTITY": self.identity.secret_keys[0]}, home=self.home,
            clock=lambda: datetime.now(UTC), keygen=crypto.SystemKeyGen(), random=os.urandom,
            repo_url=lambda _root, _remote: None)
        run(Request(self.config, self.root, None, renew=renew), env, Mode.WRITE, GitOptions())
        return self.root


@pytest.fixture
def fabric() -> Fabric:
    """The Fabric binaries (or a skip)."""
    return fabric_or_skip()


@pytest.fixture
def cluster(fabric: Fabric, tmp_path: Path) -> Iterator[Cluster]:
    """A harness cluster, stopped after the test (its logs stay in tmp_path/cluster/logs)."""
    with Cluster(tmp_path / "cluster", fabric.bin, fabric.config, kubectl=tool("kubectl")) as c:
        yield c


@pytest.fixture
def compiler(tmp_path: Path) -> Compiler:
    """A network repository in tmp_path/repo."""
    return Compiler(tmp_path / "repo", tmp_path / "home")
