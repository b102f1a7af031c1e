"""Chaincodes through the whole compile: packages and definitions in the output, sequences
managed across recompiles, workloads and Jobs per org, upgrade as one change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from fabgitops.chaincode.package import contents
from fabgitops.diffreport import DiffFormat, render_diff
from fabgitops.output.apply import read_tree
from tests.conftest import kustomize
from tests.e2e.support import article_config, compile_network, environment

CHAINCODE = """
Chaincodes:
  - Name: basic
    Version: "1.0"
    Image: example.org/basic:1.0
    Channels: [mychannel]
    EndorsementPolicy:
      Signature: AND('Org1MSP.peer', 'Org2MSP.peer')
    Collections:
      - Name: private
        Policy: OR('Org1MSP.member', 'Org2MSP.member')
        MaxPeerCount: 1
        BlockToLive: 0
"""


def _definition(root: Path) -> Any:
    return yaml.safe_load((root / "chaincodes/basic/definition.yaml").read_text())


def _state(root: Path) -> Any:
    return json.loads((root / ".fabgitops/state.json").read_text())


def test_compile_writes_packages_definition_and_workloads(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo", CHAINCODE)
    compile_network(config, environment(tmp_path))
    root = config.parent
    definition = _definition(root)
    channel = definition["channels"]["mychannel"]
    assert channel["sequence"] == 1
    assert channel["approvedBy"] == ["Org1MSP", "Org2MSP"]
    assert channel["committedBy"] == "Org1MSP"
    assert channel["endorsementPolicy"] == {"signaturePolicy":
                                            "AND('Org1MSP.peer', 'Org2MSP.peer')"}
    checked = 0
    for msp, org in (("Org1MSP", "org1"), ("Org2MSP", "org2")):
        data = (root / f"chaincodes/basic/packages/{msp}.tar.gz").read_bytes()
        package_id = definition["packages"][msp]["packageId"]
        assert package_id == f"basic_1.0:{hashlib.sha256(data).hexdigest()}"
        connection = json.loads(contents(data)["code.tar.gz/connection.json"])
        assert connection["address"] == f"basic-ccaas.{org}:9999"
        assert connection["tls_required"] is True
        objects = kustomize(root / f"overlays/{org}")
        deployment = next(o for o in objects if o["kind"] == "Deployment"
                          and o["metadata"]["name"] == "basic-ccaas")
        env = {e["name"]: e.get("value") for e in
               deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["CHAINCODE_ID"] == package_id
        assert env["CHAINCODE_SERVER_ADDRESS"] == "0.0.0.0:9999"
        jobs = sorted(o["metadata"]["name"].rsplit("-", 1)[0] for o in objects
                      if o["kind"] == "Job" and o["metadata"]["name"].startswith("basic-"))
        expected = ["basic-approve-mychannel", "basic-install"]
        assert jobs == (sorted([*expected, "basic-commit-mychannel"]) if org == "org1"
                        else expected)
        checked += 1
    assert checked == 2
    assert _state(root)["chaincodes"]["basic"]["mychannel"]["sequence"] == 1


def test_recompiling_changes_nothing_and_an_upgrade_is_one_change(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo", CHAINCODE)
    env = environment(tmp_path)
    compile_network(config, env)
    root = config.parent
    first = _definition(root)
    assert not compile_network(config, env).compiled.changes
    config.write_text(config.read_text().replace('Version: "1.0"', 'Version: "1.1"'))
    outcome = compile_network(config, env, )
    compiled = outcome.compiled
    assert compiled.headline == ["chaincode basic on mychannel: sequence 1 -> 2, version 1.0 "
                                 "-> 1.1, new package"]
    second = _definition(root)
    assert second["channels"]["mychannel"]["sequence"] == 2
    assert second["packages"]["Org1MSP"]["packageId"].startswith("basic_1.1:")
    assert second["packages"]["Org1MSP"]["packageId"] != first["packages"]["Org1MSP"][
        "packageId"]
    assert not compile_network(config, env).compiled.changes


def test_image_change_rolls_the_server_and_keeps_the_definition(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo", CHAINCODE)
    env = environment(tmp_path)
    compile_network(config, env)
    config.write_text(config.read_text().replace("basic:1.0", "basic:1.0.1"))
    compiled = compile_network(config, env).compiled
    changed = set(compiled.changes.paths)
    assert {"overlays/org1/chaincode-basic/server.yaml",
            "overlays/org2/chaincode-basic/server.yaml"} <= changed
    assert not any("-job.yaml" in p or p.endswith(".tar.gz") for p in changed), sorted(changed)
    assert _definition(config.parent)["channels"]["mychannel"]["sequence"] == 1


def test_removing_a_chaincode_removes_its_workloads_and_never_reuses_its_sequence(
        tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo", CHAINCODE)
    env = environment(tmp_path)
    compile_network(config, env)
    root = config.parent
    config.write_text(config.read_text().replace(CHAINCODE, ""))
    compiled = compile_network(config, env).compiled
    assert compiled.headline == ["-chaincode basic on mychannel"]
    assert any("Fabric has no uncommit" in n.text for n in compiled.notes)
    assert not (root / "overlays/org1/chaincode-basic").exists()
    assert not (root / "chaincodes").exists()
    assert _state(root)["chaincodes_removed"]["basic"]["mychannel"]["sequence"] == 1
    # Back with the same definition: the committed sequence still holds.
    config.write_text(config.read_text() + CHAINCODE)
    compile_network(config, env)
    assert _definition(root)["channels"]["mychannel"]["sequence"] == 1
    # Back with another one: the next sequence.
    config.write_text(config.read_text().replace("MaxPeerCount: 1", "MaxPeerCount: 2"))
    compile_network(config, env)
    assert _definition(root)["channels"]["mychannel"]["sequence"] == 2
    assert "chaincodes_removed" not in _state(root)


def test_diff_markdown_shows_the_upgrade_in_its_headline(tmp_path: Path) -> None:
    from fabgitops.deliver import Mode

    config = article_config(tmp_path / "repo", CHAINCODE)
    env = environment(tmp_path)
    compile_network(config, env)
    before = read_tree(config.parent)
    config.write_text(config.read_text().replace('Version: "1.0"', 'Version: "2.0"'))
    compiled = compile_network(config, env, Mode.DRY_RUN).compiled
    report = render_diff(compiled.changes, compiled.headline, DiffFormat.MARKDOWN)
    assert "- chaincode basic on mychannel: sequence 1 -> 2, version 1.0 -> 2.0" in report
    assert read_tree(config.parent) == before


def test_inspect_lists_a_package(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from fabgitops.cli import cli, run
    from fabgitops.errors import ExitCode

    config = article_config(tmp_path / "repo", CHAINCODE)
    compile_network(config, environment(tmp_path))
    package = config.parent / "chaincodes/basic/packages/Org2MSP.tar.gz"
    result = CliRunner().invoke(cli, ["inspect", str(package)])
    assert result.exit_code == 0, result.output
    package_id = _definition(config.parent)["packages"]["Org2MSP"]["packageId"]
    assert f"package ID: {package_id}" in result.output
    assert "code.tar.gz/connection.json  (" in result.output
    assert '"address": "basic-ccaas.org2:9999"' in result.output
    assert '"type": "ccaas"' in result.output
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really")
    assert run(["inspect", str(broken)]) == ExitCode.ENVIRONMENT
