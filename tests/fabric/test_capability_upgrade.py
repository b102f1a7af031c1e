"""2.5 -> 3.1 on a running network, on real Fabric: the compile that changes the version rolls
the binaries only; the next one upgrades the channel capability, applied by the update Job."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fabgitops.channel._pb import configuration
from tests.conftest import tool

from .cluster import Cluster
from .conftest import BINARIES, Compiler
from .network import live_as_declared, live_config, network, peer_height


def _release(version: str) -> tuple[Path, Path]:
    key = version.replace(".", "_")
    raw = os.environ.get(f"FABRIC_BIN_{key}")
    if not raw:
        pytest.skip(f"FABRIC_BIN_{key} is not set: the upgrade test needs Fabric 2.5 and 3.1 "
                    "binaries (docs/fabric-harness.md)")
    bin_dir = Path(raw)
    config = Path(os.environ.get(f"FABRIC_CONFIG_{key}", bin_dir.parent / "config"))
    if any(not (bin_dir / b).is_file() for b in BINARIES) or not (config / "core.yaml").is_file():
        pytest.skip(f"FABRIC_BIN_{key}/FABRIC_CONFIG_{key} lack binaries or core.yaml")
    if os.geteuid() != 0:
        pytest.skip("the loopback harness needs root (a private network namespace)")
    return bin_dir, config


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[Cluster]:
    """A harness that runs each Fabric image with the binaries of its own release."""
    old, new = _release("2.5"), _release("3.1")
    with Cluster(tmp_path / "cluster", *new, kubectl=tool("kubectl"),
                 versions={"2.5": old, "3.1": new}) as cluster:
        yield cluster


def _channel_capabilities(config: object) -> list[str]:
    group = config.channel_group  # type: ignore[attr-defined]
    return sorted(configuration.Capabilities.FromString(
        group.values["Capabilities"].value).capabilities)


def test_upgrade_binaries_first_then_capability(compiler: Compiler, mixed: Cluster) -> None:
    output = compiler.compile(network("2.5"))
    mixed.sync(output)
    assert _channel_capabilities(live_config(mixed, "org1", "mychannel")) == ["V2_0"]

    output = compiler.compile(network("3.1"))
    assert not (output / "channels/mychannel/updates").exists()
    mixed.sync(output)  # every pod restarts on 3.1 binaries; the channel is unchanged
    assert _channel_capabilities(live_config(mixed, "org1", "mychannel")) == ["V2_0"]

    output = compiler.compile(network("3.1"))
    assert sorted(p.name for p in (output / "channels/mychannel/updates").glob("*.tx")) == [
        "0001-capabilities.tx"]
    runs = mixed.sync(output)
    assert [r.name.rsplit("-", 1)[0] for r in runs] == ["mychannel-update-0001"]
    live = live_as_declared(mixed, "org1", output)
    assert _channel_capabilities(live) == ["V3_0"]
    assert peer_height(mixed, "org1", "mychannel") == peer_height(mixed, "org2",
                                                                  "mychannel") == 2
