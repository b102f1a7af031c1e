"""The read-only commands on a compiled network: diff, inspect, export-crypto, validate."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from fabgitops import channel, cli, deliver
from fabgitops.errors import ExitCode
from tests.ciphertexts import ciphertexts, leaked
from tests.conftest import PRIVATE_KEY_PEM
from tests.e2e.support import IDENTITY, article_config


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The article compiled with the real CLI; returns the config path."""
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", IDENTITY.secret_keys[0])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = article_config(tmp_path / "repo")
    assert cli.run(["compile", "-c", str(config), "--seal-cert",
                    str(config.parent / "sealing-cert.pem")]) == ExitCode.OK
    return config


def test_diff_markdown_names_orgs_objects_and_hides_sealed_values(
    compiled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = compiled.read_text().replace("Count: 2\n    Users:\n      Count: 1\n\n  - Name: Org2",
                                        "Count: 3\n    Users:\n      Count: 1\n\n  - Name: Org2")
    compiled.write_text(text + "Consensus:\n  BatchTimeout: 1s\n")
    outcomes = _record_outcomes(monkeypatch)
    capsys.readouterr()
    assert cli.run(["diff", "-c", str(compiled), "--seal-cert",
                    str(compiled.parent / "sealing-cert.pem"), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    [outcome] = outcomes
    # Every ciphertext the diff saw: the new tree's, and the ones already on disk.
    sealed = ciphertexts(outcome.compiled.tree) | ciphertexts(outcome.compiled.current)
    assert len(sealed) > 10
    assert leaked(out, sealed) == []
    assert out.startswith("### fabgitops diff\n")
    assert "- org1 +peer2\n" in out
    assert "- channel mychannel: BatchTimeout 2s -> 1s\n" in out
    assert ("**channel update `mychannel/0001-batchtimeout`** (config sequence 0 -> 1):\n"
            "- Channel/Orderer/BatchTimeout: {timeout: 2s} -> {timeout: 1s}\n"
            "- signed by: Orderer1MSP (Admin@orgorderer1)\n"
            "- policy /Channel/Orderer/Admins (MAJORITY Admins) for [Value]  "
            "/Channel/Orderer/BatchTimeout: Orderer1MSP\n") in out
    assert "**channel mychannel**: ~`config.yaml`, +`0001-batchtimeout.tx`" in out
    # The orderer org applies it: a ConfigMap of envelopes and expected configs, and a Job in
    # the wave after the join Jobs.
    assert re.search(r"\*\*namespace orgorderer1\*\*: .*\+`ConfigMap channel-mychannel-updates`"
                     r".*\+`Job mychannel-update-0001-[0-9a-f]{10}`", out)
    assert '+    argocd.argoproj.io/sync-wave: "6"' in out
    assert "| namespace org1 |" in out
    assert "+`SealedSecret peer2-keys`" in out
    assert "<details><summary>Full diff</summary>" in out
    assert len(out) < 65536
    assert cli.run(["diff", "-c", str(compiled), "--seal-cert",
                    str(compiled.parent / "sealing-cert.pem")]) == 0
    text_out = capsys.readouterr().out
    assert "+ 0001-batchtimeout.tx  [channels/mychannel/updates/0001-batchtimeout.tx]" in text_out
    assert "channel update mychannel/0001-batchtimeout (config sequence 0 -> 1):" in text_out


def _record_outcomes(monkeypatch: pytest.MonkeyPatch) -> list[deliver.Outcome]:
    """Make the CLI's compiles visible to the test: what the command computed, not a rerun."""
    outcomes: list[deliver.Outcome] = []
    real = deliver.run

    def recording(*args: Any, **kwargs: Any) -> deliver.Outcome:
        outcomes.append(real(*args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(deliver, "run", recording)
    return outcomes


def test_inspect_round_trips_a_compiled_block(compiled: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    block = compiled.parent / "channels/mychannel/genesis.block"
    capsys.readouterr()
    assert cli.run(["inspect", str(block)]) == 0
    printed = capsys.readouterr().out
    decoded = channel.inspect(block.read_bytes())
    assert printed == channel.to_json(decoded)
    assert channel.encode(decoded) == block.read_bytes()
    assert '"type": "etcdraft"' in printed
    bad = compiled.parent / "garbage.block"
    bad.write_bytes(b"\xff" * 10)
    assert cli.run(["inspect", str(bad)]) == ExitCode.ENVIRONMENT


def test_inspect_decodes_a_signed_channel_update(compiled: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    compiled.write_text(compiled.read_text() + "Consensus:\n  BatchTimeout: 1s\n")
    assert cli.run(["compile", "-c", str(compiled), "--seal-cert",
                    str(compiled.parent / "sealing-cert.pem")]) == ExitCode.OK
    update = compiled.parent / "channels/mychannel/updates/0001-batchtimeout.tx"
    capsys.readouterr()
    assert cli.run(["inspect", str(update)]) == 0
    printed = capsys.readouterr().out
    assert printed == channel.to_json(channel.inspect(update.read_bytes()))
    assert channel.encode(channel.inspect(update.read_bytes())) == update.read_bytes()
    assert '"type": 2' in printed or '"type": "CONFIG_UPDATE"' in printed
    assert '"mspid": "Orderer1MSP"' in printed  # the signer, in the ConfigSignature header
    assert '"timeout": "1s"' in printed
    # A recompile with nothing new changes nothing: no re-signing.
    before = update.read_bytes()
    assert cli.run(["compile", "-c", str(compiled), "--seal-cert",
                    str(compiled.parent / "sealing-cert.pem")]) == ExitCode.OK
    assert update.read_bytes() == before


def test_export_crypto_writes_cryptogen_layout_with_private_modes(compiled: Path,
                                                                 tmp_path: Path) -> None:
    target = tmp_path / "crypto-config"
    assert cli.run(["export-crypto", "-c", str(compiled), "-o", str(target)]) == 0
    key = target / "peerOrganizations/org1/peers/peer0.org1/msp/keystore/priv_sk"
    assert key.read_bytes().startswith(PRIVATE_KEY_PEM)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((target / "peerOrganizations/org1").stat().st_mode) == 0o700
    assert (target / "ordererOrganizations/orgorderer1/orderers/orderer0.orgorderer1/tls/"
            "server.crt").exists()
    # A config ahead of the keystore: export refuses rather than invent keys.
    compiled.write_text(compiled.read_text().replace("Count: 2", "Count: 3", 1))
    assert cli.run(["export-crypto", "-c", str(compiled), "-o", str(tmp_path / "x")]) == \
        ExitCode.ENVIRONMENT


def test_without_an_identity_an_existing_keystore_is_never_replaced(
    compiled: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("FABGITOPS_AGE_IDENTITY")
    before = sorted(p.read_bytes() for p in (compiled.parent / ".fabgitops").rglob("*.age"))
    assert cli.run(["compile", "-c", str(compiled), "--seal-cert",
                    str(compiled.parent / "sealing-cert.pem")]) == ExitCode.ENVIRONMENT
    assert "no age identity is available" in capsys.readouterr().err
    after = sorted(p.read_bytes() for p in (compiled.parent / ".fabgitops").rglob("*.age"))
    assert before == after


def test_missing_sealing_certificate_is_an_environment_problem(
    compiled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["compile", "-c", str(compiled)]) == ExitCode.ENVIRONMENT
    assert "kubeseal --fetch-cert" in capsys.readouterr().err


def test_validate_and_compile_warn_about_expiring_certificates(
    compiled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.run(["validate", "-c", str(compiled)]) == 0
    assert "expires on" not in capsys.readouterr().err
    # cryptogen certificates last 3650 days: with a 3650-day window every one is "expiring".
    compiled.write_text(compiled.read_text() + "Keystore:\n  ExpiryWarningDays: 3650\n")
    assert cli.run(["validate", "-c", str(compiled)]) == 0
    err = capsys.readouterr().err
    assert ": Keystore: warning: peerOrganizations/org1/ca/cert.pem" in err
    assert "run fabgitops compile --renew" in err
    seal = ["--seal-cert", str(compiled.parent / "sealing-cert.pem")]
    assert cli.run(["compile", "-c", str(compiled), *seal, "--dry-run"]) == 0
    assert "expires on" in capsys.readouterr().err
    leaf = compiled.parent / ".fabgitops/keystore/peerOrganizations/org1/peers/peer0.org1/tls"
    ca = compiled.parent / ".fabgitops/keystore/peerOrganizations/org1/ca/cert.pem"
    before = {p: p.read_bytes() for p in (leaf / "cert.pem", leaf / "key.age", ca)}
    assert cli.run(["compile", "-c", str(compiled), *seal, "--renew"]) == 0
    # Leaves are reissued with their keys; CA certificates are only reported.
    assert (leaf / "cert.pem").read_bytes() != before[leaf / "cert.pem"]
    assert (leaf / "key.age").read_bytes() == before[leaf / "key.age"]
    assert ca.read_bytes() == before[ca]
