"""The no-op fast path: a quiet write is recorded; the next compile with the same inputs and an
untouched output answers from the record, anything else compiles in full."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fabgitops import deliver
from fabgitops.errors import ExitCode
from tests.e2e.support import IDENTITY, cli_compile, cli_network


@pytest.fixture
def network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_network(tmp_path, monkeypatch)


def _records(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "fabgitops" / "up-to-date").rglob("*.json"))


def _memos(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "fabgitops" / "memo").rglob("*.json"))


def _no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the full pipeline ran")

    monkeypatch.setattr(deliver, "run", refuse)


def test_a_quiet_write_is_recorded_and_answers_the_next_compile_and_check(
        network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert len(_records(tmp_path)) == 1
    capsys.readouterr()
    _no_pipeline(monkeypatch)
    assert cli_compile(network) == 0
    assert cli_compile(network, "--check") == 0
    assert cli_compile(network, "--dry-run") == 0
    assert capsys.readouterr().err.splitlines() == [
        f"{network.parent}: 0 file(s) changed (0 add, 0 change, 0 remove)",
        "The output is up to date.",
        f"{network.parent}: 0 file(s) would change (0 add, 0 change, 0 remove)",
    ]


def test_the_fast_answer_is_what_the_full_path_prints(
        network: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in ((), ("--check",), ("--dry-run",)):
        (record,) = _records(tmp_path)
        saved = record.read_bytes()
        capsys.readouterr()
        record.unlink()
        assert cli_compile(network, *args) == 0
        full = capsys.readouterr()
        record.write_bytes(saved)
        assert cli_compile(network, *args) == 0
        assert capsys.readouterr() == full


def test_check_finds_a_hand_edited_generated_file(
        network: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = network.parent / "overlays" / "org1" / "kustomization.yaml"
    target.write_bytes(target.read_bytes() + b"# edited\n")
    assert cli_compile(network, "--check") == ExitCode.OUT_OF_DATE
    assert "change overlays/org1/kustomization.yaml" in capsys.readouterr().out.splitlines()


def test_a_same_size_edit_right_after_the_write_is_found_by_content(
        network: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Written within the racy window: the record holds its digest, not only size and mtime.
    target = network.parent / "overlays" / "org1" / "kustomization.yaml"
    data = target.read_bytes()
    stat = target.stat()
    target.write_bytes(data[:-2] + (b"#\n" if data[-2:] != b"#\n" else b"\n\n"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    assert cli_compile(network, "--check") == ExitCode.OUT_OF_DATE
    assert "change overlays/org1/kustomization.yaml" in capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("change", ["config", "certificate", "user file", "removed file",
                                    "identity", "journal"])
def test_any_changed_input_runs_the_full_pipeline(
        network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root = network.parent
    if change == "config":
        network.write_text(network.read_text() + "\n")
    elif change == "certificate":
        cert = root / "sealing-cert.pem"
        cert.write_bytes(cert.read_bytes() + b"\n")
    elif change == "user file":
        (root / "overlays" / "org1" / "patches").mkdir(exist_ok=True)
        (root / "overlays" / "org1" / "patches" / "mine.yaml").write_text("a: 1\n")
    elif change == "removed file":
        (root / "overlays" / "org1" / "kustomization.yaml").unlink()
    elif change == "identity":
        monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", IDENTITY.secret_keys[0] + "\n")
    else:
        (root / ".fabgitops" / "journal.json").write_text('{"renames": [], "removals": []}')
    ran: list[str] = []
    full = deliver.run

    def counted(*args: object, **kwargs: object) -> object:
        ran.append(change)
        return full(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deliver, "run", counted)
    cli_compile(network, "--check")
    assert ran == [change]


def test_nothing_is_recorded_after_a_compile_that_warns_or_renews(
        network: Path, tmp_path: Path) -> None:
    (record,) = _records(tmp_path)
    record.unlink()
    network.write_text(network.read_text() + "Secrets:\n  Mode: plain\n")
    assert cli_compile(network, "--allow-plaintext-secrets") == 0  # warns: plain secrets
    assert _records(tmp_path) == []
    assert cli_compile(network, "--renew") == 0
    assert _records(tmp_path) == []


def test_read_only_commands_never_write_a_record(network: Path, tmp_path: Path) -> None:
    (record,) = _records(tmp_path)
    (memo,) = _memos(tmp_path)  # the writing compile also stored its memo of checks
    record.unlink()
    memo.unlink()
    assert cli_compile(network, "--check") == 0
    assert cli_compile(network, "--dry-run") == 0
    assert _records(tmp_path) == [] and _memos(tmp_path) == []
