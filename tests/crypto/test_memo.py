"""The crypto stage's checks remembered: a recompile decrypts only the keys it signs with.

Every test counts decryptions through a wrapped age identity and compares the outcome with the
same compile without the memo, which decrypts every key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyrage
import pytest

from fabgitops.channel.stage import admin_signers
from fabgitops.crypto import CryptoMaterial
from fabgitops.crypto.stage import issue
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore import memo
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.keystore.value import KeystoreSecret, RevealingFiles, reveal, token
from tests.crypto.conftest import DeterministicKeyGen, IssueFn, fixed_clock, load_plan

KS = ".fabgitops/keystore"
ORG1 = f"{KS}/peerOrganizations/org1"


@dataclass(frozen=True)
class CountingIdentity(AgeIdentity):
    """An age identity that records every ciphertext it decrypts."""

    opened: list[bytes] = field(default_factory=list, compare=False)

    def decrypt(self, ciphertext: bytes) -> bytes:
        self.opened.append(ciphertext)
        return super().decrypt(ciphertext)

    def paths(self, keystore: dict[str, bytes]) -> list[str]:
        """The keystore paths of what it decrypted, sorted."""
        where = {content: path for path, content in keystore.items()}
        return sorted(where[c] for c in self.opened)


def _counting(identity: AgeIdentity) -> CountingIdentity:
    return CountingIdentity(identity.secret_keys, "counting identity")


def _grow(text: str) -> str:
    return text.replace("Template:\n      Count: 2", "Template:\n      Count: 3", 1)


@pytest.fixture(scope="module")
def base(article_text: str, age_identity: AgeIdentity) -> CryptoMaterial:
    """The article network's first compile (shared: tests only read it)."""
    return issue(load_plan(article_text), {}, clock=fixed_clock(), keygen=DeterministicKeyGen(),
                 identity=age_identity)


def test_a_recompile_with_the_memo_decrypts_nothing(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    assert len(base.facts) > 20  # every CA and leaf check of the network
    counting = _counting(age_identity)
    again = compile_crypto(article_text, base.keystore, identity=counting, known=base.facts)
    assert counting.opened == []
    assert again.keystore == base.keystore and again.notes == () and again.facts == base.facts
    # Nothing was decrypted, yet every key is there when something reads it.
    assert again.files == base.files and again.credentials == base.credentials
    # (The CA servers' TLS keys are no part of cryptogen's tree.)
    read = [p for p in base.keystore if p.endswith(".age") and "/ca-server/" not in p]
    assert counting.paths(base.keystore) == sorted(read) and len(read) > 20


def test_without_the_memo_every_key_is_decrypted_for_the_same_outcome(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    counting = _counting(age_identity)
    again = compile_crypto(article_text, base.keystore, identity=counting)
    keys = [p for p in base.keystore if p.endswith("/key.age")]
    assert counting.paths(base.keystore) == sorted(keys) and len(keys) > 20
    assert again.keystore == base.keystore and again.facts == base.facts


def test_adding_a_peer_decrypts_only_the_cas_that_sign_it(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    counting = _counting(age_identity)
    grown = compile_crypto(_grow(article_text), base.keystore, identity=counting,
                           known=base.facts)
    assert counting.paths(base.keystore) == [f"{ORG1}/ca/key.age", f"{ORG1}/tlsca/key.age"]
    reference = compile_crypto(_grow(article_text), base.keystore)
    assert grown.keystore.keys() == reference.keystore.keys()
    # Only the new peer's keys differ: age encryption is randomized, their plaintexts are equal.
    differ = sorted(p for p in grown.keystore if grown.keystore[p] != reference.keystore[p])
    peer2 = f"{ORG1}/peers/peer2.org1"
    assert differ == [f"{KS}/credentials/org1/peer2/couchdb-password.age",
                      f"{peer2}/msp/key.age", f"{peer2}/tls/key.age"]
    assert grown.files == reference.files and grown.notes == reference.notes


def _reencrypt(identity: AgeIdentity, plaintext: bytes) -> bytes:
    recipient = pyrage.x25519.Recipient.from_str(identity.recipients[0])
    return bytes(pyrage.encrypt(plaintext, [recipient], armored=True))


def test_a_key_file_encrypted_again_is_decrypted_and_kept(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    victim = f"{ORG1}/peers/peer0.org1/msp/key.age"
    plain = age_identity.decrypt(base.keystore[victim])
    edited = {**base.keystore, victim: _reencrypt(age_identity, plain)}
    counting = _counting(age_identity)
    again = compile_crypto(article_text, edited, identity=counting, known=base.facts)
    assert counting.paths(edited) == [victim]
    assert again.keystore == edited and again.notes == ()
    assert again.files == base.files


def test_a_key_file_replaced_by_another_key_is_caught_as_without_the_memo(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    victim = f"{ORG1}/peers/peer0.org1/tls/key.age"
    stranger_key = age_identity.decrypt(base.keystore[f"{ORG1}/peers/peer1.org1/tls/key.age"])
    edited = {**base.keystore, victim: _reencrypt(age_identity, stranger_key)}
    with_memo = compile_crypto(article_text, edited, known=base.facts)
    without = compile_crypto(article_text, edited)
    reissued = [n.text for n in with_memo.notes]
    assert reissued == ["reissued peerOrganizations/org1/peers/peer0.org1/tls/cert.pem with "
                        "its key: it does not match its key"]
    assert [n.text for n in without.notes] == reissued
    assert with_memo.keystore == without.keystore != edited


def test_a_damaged_memo_only_costs_decryptions(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    garbage = frozenset({"0" * 64, *(f[:-1] + ("1" if f[-1] == "0" else "0") for f in base.facts)})
    counting = _counting(age_identity)
    again = compile_crypto(article_text, base.keystore, identity=counting, known=garbage)
    assert len(counting.opened) == sum(p.endswith("/key.age") for p in base.keystore)
    assert again.keystore == base.keystore and again.facts == base.facts


def test_a_wrong_identity_still_fails_with_a_full_memo(
        article_text: str, compile_crypto: IssueFn, base: CryptoMaterial) -> None:
    stranger = AgeIdentity.generate("stranger")
    with pytest.raises(EnvironmentProblem, match=r"cannot decrypt .*nothing was regenerated"):
        compile_crypto(article_text, base.keystore, identity=stranger, known=base.facts,
                       keygen=DeterministicKeyGen())


def test_keystore_secret_decrypts_once_and_never_shows_its_plaintext() -> None:
    calls: list[str] = []

    def opener(path: str, ciphertext: bytes) -> bytes:
        calls.append(path)
        return b"plain:" + ciphertext

    secret = KeystoreSecret("credentials/x.age", b"sealed", opener)
    assert token(secret) == hashlib.sha256(b"sealed").hexdigest()
    assert not secret.revealed and calls == []
    assert reveal(secret) == b"plain:sealed" and secret.reveal() == b"plain:sealed"
    assert calls == ["credentials/x.age"] and secret.revealed
    assert "plain" not in repr(secret) and reveal(b"clear") == b"clear" and token(b"x") is None
    created = KeystoreSecret("k.age", b"ciphertext", plain=b"new key")
    assert created.reveal() == b"new key"
    with pytest.raises(ValueError, match="opener or its plaintext"):
        KeystoreSecret("k.age", b"ciphertext")


def test_revealing_files_decrypt_only_what_is_read() -> None:
    calls: list[str] = []

    def opener(path: str, ciphertext: bytes) -> bytes:
        calls.append(path)
        return b"key"

    files = RevealingFiles({"signcerts/cert.pem": b"cert",
                            "keystore/priv_sk": KeystoreSecret("k", b"c", opener)})
    assert sorted(files) == ["keystore/priv_sk", "signcerts/cert.pem"] and len(files) == 2
    assert files["signcerts/cert.pem"] == b"cert" and calls == []
    assert isinstance(files.unrevealed("keystore/priv_sk"), KeystoreSecret) and calls == []
    assert files["keystore/priv_sk"] == b"key" and calls == ["k"]


def test_the_memo_file_round_trips_and_ignores_anything_else(tmp_path: Path) -> None:
    facts = {memo.fact(b"k" * 32, b"kind", b"a"), memo.fact(b"k" * 32, b"kind", b"b")}
    path = tmp_path / "memo.json"
    memo.write(path, facts)
    assert memo.read(path) == facts
    assert memo.read(tmp_path / "absent.json") == frozenset() and memo.read(None) == frozenset()
    for damaged in (b"{not json", b"[]", json.dumps({"format": "other", "version": 1,
                                                     "facts": sorted(facts)}).encode(),
                    json.dumps({"format": memo.FORMAT, "version": 1, "facts": 7}).encode()):
        path.write_bytes(damaged)
        assert memo.read(path) == frozenset()
    path.write_bytes(json.dumps({"format": memo.FORMAT, "version": 1,
                                 "facts": [*facts, "x", 3, "A" * 64]}).encode())
    assert memo.read(path) == facts
    # Field boundaries count: ("ab", "c") and ("a", "bc") are different facts.
    assert memo.fact(b"k", b"t", b"ab", b"c") != memo.fact(b"k", b"t", b"a", b"bc")


def test_channel_admins_decrypt_their_keys_only_to_sign(
        article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity,
        base: CryptoMaterial) -> None:
    counting = _counting(age_identity)
    again = compile_crypto(article_text, base.keystore, identity=counting, known=base.facts)
    signers = admin_signers(load_plan(article_text), again.files)
    assert len(signers) == 3 and counting.opened == []
    signature = signers[1].sign(b"config update")
    assert signature and counting.paths(base.keystore) == [
        f"{ORG1}/users/Admin@org1/msp/key.age"]
