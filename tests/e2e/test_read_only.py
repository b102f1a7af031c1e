"""Read-only commands leave no trace: not in HOME, not in the output directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from fabgitops import cli
from fabgitops.errors import ExitCode
from fabgitops.keystore.identity import ENV_IDENTITY, IDENTITY_FILE_NAME
from fabgitops.layout import JOURNAL, LOCK
from tests.e2e.support import IDENTITY, article_config


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` with its content (directories show through their files)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_read_only_commands_on_a_fresh_home_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv(ENV_IDENTITY, raising=False)
    config = article_config(tmp_path / "repo")
    before = snapshot(config.parent)
    common = ["-c", str(config), "--seal-cert", str(config.parent / "sealing-cert.pem")]
    runs = {
        "compile --check": (["compile", "--check", *common], ExitCode.OUT_OF_DATE),
        "compile --dry-run": (["compile", "--dry-run", *common], ExitCode.OK),
        "diff": (["diff", *common], ExitCode.OK),
        "validate": (["validate", "-c", str(config)], ExitCode.OK),
    }
    for name, (argv, status) in runs.items():
        assert cli.run(argv) == status, name
        assert list(home.iterdir()) == [], name
        assert snapshot(config.parent) == before, name
    assert len(runs) == 4
    err = capsys.readouterr().err
    assert err.count("this run used a temporary one and kept nothing") == 3
    # The same HOME is where a writing compile keeps the identity: the check above is not vacuous.
    assert cli.run(["compile", *common]) == ExitCode.OK
    assert (home / ".config" / "fabgitops" / IDENTITY_FILE_NAME).is_file()
    assert "Created a new age identity" in capsys.readouterr().err


def test_read_only_commands_on_a_fresh_clone_of_a_compiled_repository_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_IDENTITY, IDENTITY.secret_keys[0])
    config = article_config(tmp_path / "repo")
    common = ["-c", str(config), "--seal-cert", str(config.parent / "sealing-cert.pem")]
    assert cli.run(["compile", *common]) == ExitCode.OK
    # git ignores the lock and the journal: a fresh clone has neither.
    (config.parent / LOCK).unlink()
    before = snapshot(config.parent)
    assert cli.run(["compile", "--check", *common]) == ExitCode.OK
    assert cli.run(["diff", *common]) == ExitCode.OK
    assert snapshot(config.parent) == before
    # A half-applied write is reported, not finished, by a read-only command.
    (config.parent / JOURNAL).write_text("{}")
    capsys.readouterr()
    assert cli.run(["compile", "--check", *common]) == ExitCode.ENVIRONMENT
    assert "interrupted write" in capsys.readouterr().err
    assert (config.parent / JOURNAL).read_text() == "{}"


def test_validate_refuses_a_channel_change_fabric_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_IDENTITY, IDENTITY.secret_keys[0])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = article_config(tmp_path / "repo")
    common = ["-c", str(config), "--seal-cert", str(config.parent / "sealing-cert.pem")]
    assert cli.run(["compile", *common]) == ExitCode.OK
    capsys.readouterr()
    assert cli.run(["validate", "-c", str(config)]) == ExitCode.OK  # compiled from this config
    # Two new orderers: two consenter changes in one update, which the orderer refuses.
    config.write_text(config.read_text().replace("Template:\n      Count: 1\n",
                                                 "Template:\n      Count: 3\n", 1))
    before = snapshot(config.parent)
    assert cli.run(["validate", "-c", str(config)]) == ExitCode.INVALID_CONFIG
    err = capsys.readouterr().err
    assert f"{config}:" in err and ": Channels" in err, err
    assert "more than one consenter at a time" in err, err
    assert snapshot(config.parent) == before
    # One new orderer at a time is a valid running-channel change.
    config.write_text(config.read_text().replace("Count: 3\n", "Count: 2\n", 1))
    before = snapshot(config.parent)
    assert cli.run(["validate", "-c", str(config)]) == ExitCode.OK
    assert "more than one consenter" not in capsys.readouterr().err
    assert snapshot(config.parent) == before
