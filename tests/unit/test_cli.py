"""The CLI contract: exit codes, output channels and formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fabgitops import cli
from fabgitops.errors import ExitCode
from fabgitops.schema import schema_text
from tests.conftest import ARTICLE

FIVE_MISTAKES = """\
OrdererOrgs:
  - Name: Orderer
    Domain: orderer
    Template: {Count: 1}
PeerOrgs:
  - Name: Org1
    Domain: Org1
    Template: {Count: 1}
  - Name: Org1
    Domain: org2
    Template: {Count: 1}
    AnchorPeers: [peer9]
Channels:
  - Name: MyChannel
    Organizations: [Org1]
Consensus:
  Type: solo
"""


def test_valid_config_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["validate", "-c", str(ARTICLE)]) == ExitCode.OK
    out = capsys.readouterr()
    assert out.out == ""
    assert "valid" in out.err


def test_five_mistakes_are_five_located_messages(
    write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(FIVE_MISTAKES)
    assert cli.run(["validate", "-c", str(path)]) == ExitCode.INVALID_CONFIG
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        f"{path}:7:5: PeerOrgs[0].Domain: 'Org1' is not a DNS-1123 label (lowercase letters, "
        "digits and '-', starting and ending with a letter or digit; no dots, no uppercase). "
        "The domain is the org's Kubernetes namespace, and <host>.<domain> must resolve as "
        "<service>.<namespace>",
        f"{path}:9:5: PeerOrgs[1].Name: org name 'Org1' is also used by PeerOrgs[0].Name "
        "(line 6); it must be unique",
        f"{path}:12:19: PeerOrgs[1].AnchorPeers[0]: anchor peer 'peer9' is not a peer of org "
        "'Org1' (its peers: peer0)",
        f"{path}:14:5: Channels[0].Name: channel name 'MyChannel' must start with a lowercase "
        "letter, contain only lowercase letters, digits, '.' and '-', and be at most 249 "
        "characters (Fabric's channel ID rule)",
        f"{path}:17:3: Consensus.Type: solo was removed in Fabric 3.0: set "
        "Network.FabricVersion to '2.5' or use etcdraft or BFT",
    ]


def test_json_format(write_config: Callable[[str], Path],
                     capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(FIVE_MISTAKES)
    assert cli.run(["validate", "-c", str(path), "--format", "json"]) == 3
    body = json.loads(capsys.readouterr().out)
    assert body["valid"] is False and len(body["errors"]) == 5
    assert body["errors"][0] == {"file": str(path), "line": 7, "column": 5,
                                 "path": "PeerOrgs[0].Domain",
                                 "message": body["errors"][0]["message"]}
    assert cli.run(["validate", "-c", str(ARTICLE), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"valid": True, "errors": [], "warnings": []}


def test_github_annotations(write_config: Callable[[str], Path],
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(FIVE_MISTAKES)
    assert cli.run(["validate", "-c", str(path), "--format", "github"]) == 3
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"::error file={path},line=7,col=5,title=fabgitops "
                            "PeerOrgs[0].Domain::PeerOrgs[0].Domain: 'Org1' is not")


def test_warnings_do_not_fail(write_config: Callable[[str], Path],
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(ARTICLE.read_text() + "Secrets: {Mode: plain}\n")
    assert cli.run(["validate", "-c", str(path)]) == 0
    assert ": Secrets.Mode: warning: plain mode" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["validate", "--bogus"]) == ExitCode.USAGE
    assert cli.run(["no-such-command"]) == ExitCode.USAGE
    assert cli.run(["validate", "--format", "xml", "-c", str(ARTICLE)]) == ExitCode.USAGE
    assert "Error" in capsys.readouterr().err


def test_missing_file_is_invalid_config(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert cli.run(["validate", "-c", str(missing)]) == ExitCode.INVALID_CONFIG
    assert capsys.readouterr().err == f"{missing}: cannot read the file: No such file or " \
        "directory\n"


def test_internal_error_exits_1_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(_: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("fabgitops.config_file.load", boom)
    assert cli.run(["validate", "-c", str(ARTICLE)]) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "Internal error" in err and "Traceback" not in err
    assert cli.run(["-v", "validate", "-c", str(ARTICLE)]) == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(_: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("fabgitops.config_file.load", interrupt)
    assert cli.run(["validate", "-c", str(ARTICLE)]) == ExitCode.INTERRUPTED


def test_schema_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()


def test_every_command_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["--help"]) == 0
    top = capsys.readouterr().out
    for name, command in cli.cli.commands.items():
        assert name in top
        assert command.help, name
        assert cli.run([name, "--help"]) == 0
        text = capsys.readouterr().out
        for param in command.params:
            if param.param_type_name == "option":
                assert getattr(param, "help", None), f"{name} {param.name} has no help"
                assert param.opts[-1] in text
