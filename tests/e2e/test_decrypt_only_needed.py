"""Adding one peer decrypts only the keys the change needs (issue 14), through the real CLI.

Decryptions are counted by wrapping the age identity's ``decrypt``. The memo of checks lives in
the user's cache, keyed by the network's keystore, so a copy of the output finds it too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fabgitops.errors import ExitCode
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.output.apply import read_tree
from tests.e2e.support import cli_compile, cli_network

ORG2 = ".fabgitops/keystore/peerOrganizations/org2"
INDEX_KEY = ".fabgitops/keystore/credentials/fabgitops/seal-index-key.age"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every ciphertext any age identity decrypts from now on."""
    seen: list[bytes] = []
    original = AgeIdentity.decrypt

    def counting(self: AgeIdentity, ciphertext: bytes) -> bytes:
        seen.append(ciphertext)
        return original(self, ciphertext)

    monkeypatch.setattr(AgeIdentity, "decrypt", counting)
    return seen


@pytest.fixture
def network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_network(tmp_path, monkeypatch)


def _paths(opened: list[bytes], root: Path) -> list[str]:
    where = {content: path for path, content in read_tree(root).items()}
    return sorted(where.get(c, "<not in the output>") for c in opened)


def _grown(network: Path, tmp_path: Path) -> Path:
    """A copy of the output (as a fresh checkout would be), its config with one more org2 peer."""
    copy = tmp_path / "copy"
    shutil.copytree(network.parent, copy)
    config = copy / "cluster-config.yaml"
    text = config.read_text()
    grown = text.replace("Domain: org2\n    Template:\n      Count: 2",
                         "Domain: org2\n    Template:\n      Count: 3")
    assert grown != text
    config.write_text(grown)
    return config


def test_adding_a_peer_decrypts_only_the_index_key_and_the_signing_cas(
        network: Path, tmp_path: Path, opened: list[bytes]) -> None:
    config = _grown(network, tmp_path)
    before = read_tree(config.parent)
    assert cli_compile(config) == ExitCode.OK
    after = read_tree(config.parent)
    assert any("peer2.org2" in p for p in set(after) - set(before))
    assert _paths(opened, config.parent) == [
        INDEX_KEY, f"{ORG2}/ca/key.age", f"{ORG2}/tlsca/key.age"]

    # The full path, with every key decrypted and no memo, finds nothing left to change.
    shutil.rmtree(tmp_path / "cache")
    opened.clear()
    assert cli_compile(config, "--check") == ExitCode.OK
    assert len(opened) > 30


def test_a_recompile_decrypts_one_credential_and_a_damaged_memo_only_costs_time(
        network: Path, tmp_path: Path, opened: list[bytes]) -> None:
    records = tmp_path / "cache" / "fabgitops" / "up-to-date"
    shutil.rmtree(records)  # not the no-op fast path: the full compile, with the memo
    assert cli_compile(network, "--check") == ExitCode.OK
    assert _paths(opened, network.parent) == [INDEX_KEY]

    (memo,) = (tmp_path / "cache" / "fabgitops" / "memo").iterdir()
    memo.write_bytes(b'{"format": "fabgitops-reveal-memo", "version": 1, "facts": ["zz"]}')
    opened.clear()
    assert cli_compile(network) == ExitCode.OK  # writes: the memo is whole again
    every = len(opened)
    assert every > 30
    shutil.rmtree(records)
    opened.clear()
    assert cli_compile(network, "--check") == ExitCode.OK
    assert _paths(opened, network.parent) == [INDEX_KEY]


def test_a_wrong_identity_fails_with_exit_5_even_when_the_memo_knows_everything(
        network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.rmtree(tmp_path / "cache" / "fabgitops" / "up-to-date")
    stranger = AgeIdentity.generate("stranger")
    monkeypatch.setenv("FABGITOPS_AGE_IDENTITY", stranger.secret_keys[0])
    before = read_tree(network.parent)
    assert cli_compile(network) == ExitCode.ENVIRONMENT
    assert cli_compile(network, "--check") == ExitCode.ENVIRONMENT
    assert read_tree(network.parent) == before
