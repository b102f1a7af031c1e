"""Resolving the age identity: flag, environment, local file created once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.identity import (
    ENV_IDENTITY,
    IDENTITY_FILE_NAME,
    AgeIdentity,
    config_dir,
    persist_identity,
    resolve_identity,
    unsaved_identity_note,
)
from fabgitops.keystore.ledger import keystore_exists


def test_config_dir_follows_xdg(tmp_path: Path) -> None:
    assert config_dir({}, tmp_path) == tmp_path / ".config" / "fabgitops"
    assert config_dir({"XDG_CONFIG_HOME": "/x/cfg"}, tmp_path) == Path("/x/cfg/fabgitops")
    assert config_dir({"XDG_CONFIG_HOME": "relative"}, tmp_path) == tmp_path / ".config/fabgitops"


def test_first_use_generates_an_identity_that_only_persisting_writes(tmp_path: Path) -> None:
    directory = tmp_path / "cfg" / "fabgitops"
    first = resolve_identity({}, identity_file=None, config_directory=directory,
                             keystore_exists=False)
    path = directory / IDENTITY_FILE_NAME
    assert first.new_file == path and not tmp_path.joinpath("cfg").exists()
    unsaved = unsaved_identity_note(first)
    assert unsaved is not None and "kept nothing" in unsaved.text and str(path) in unsaved.text
    note = persist_identity(first)
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert note is not None
    assert "back it up" in note.text and first.identity.recipients[0] in note.text
    assert "AgeRecipients" in note.text
    # Later runs reuse it, even once a keystore exists, and have nothing to persist.
    second = resolve_identity({}, identity_file=None, config_directory=directory,
                              keystore_exists=True)
    assert second.new_file is None and second.identity.secret_keys == first.identity.secret_keys
    assert persist_identity(second) is None and unsaved_identity_note(second) is None


def test_existing_keystore_without_identity_is_an_environment_problem(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match=ENV_IDENTITY):
        resolve_identity({}, identity_file=None, config_directory=tmp_path / "none",
                         keystore_exists=True)
    assert not (tmp_path / "none").exists()


def test_flag_then_environment_then_local(tmp_path: Path) -> None:
    a, b, c = (AgeIdentity.generate() for _ in range(3))
    local_dir = tmp_path / "cfg"
    local_dir.mkdir()
    (local_dir / IDENTITY_FILE_NAME).write_text(c.secret_keys[0] + "\n")
    flag = tmp_path / "id.txt"
    flag.write_text(f"# created: today\n# public key: x\n{a.secret_keys[0]}\n")
    env = {ENV_IDENTITY: b.secret_keys[0]}

    def pick(env: dict[str, str], flag: Path | None) -> tuple[str, ...]:
        return resolve_identity(
            env, identity_file=flag, config_directory=local_dir, keystore_exists=True
        ).identity.recipients

    assert pick(env, flag) == a.recipients
    assert pick(env, None) == b.recipients
    assert pick({}, None) == c.recipients


def test_bad_identities_are_reported(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="cannot read"):
        resolve_identity({}, identity_file=tmp_path / "missing", config_directory=tmp_path,
                         keystore_exists=False)
    with pytest.raises(EnvironmentProblem, match="no age identity"):
        AgeIdentity.parse("# only a comment\n", "test")
    with pytest.raises(EnvironmentProblem, match="invalid age identity"):
        AgeIdentity.parse("AGE-SECRET-KEY-1NOTVALID", "test")
    with pytest.raises(EnvironmentProblem, match="only age X25519"):
        AgeIdentity.parse("ssh-ed25519 AAAA", "test")


def test_identity_repr_hides_the_secret() -> None:
    identity = AgeIdentity.generate()
    assert identity.secret_keys[0] not in repr(identity)


def test_keystore_exists_looks_for_encrypted_files() -> None:
    assert not keystore_exists({".fabgitops/keystore/recipients.txt": b"x", "a.age": b""})
    assert keystore_exists({".fabgitops/keystore/x/key.age": b"x"})
