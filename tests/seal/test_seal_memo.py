"""The seal stage decides from ciphertext tokens when the memo knows them: nothing decrypted."""

from __future__ import annotations

import hashlib
import os

import pyrage
import pytest

from fabgitops.keystore.value import KeystoreSecret
from fabgitops.seal import (
    PlainSecret,
    SealedSecretsMethod,
    SealIndex,
    SealingCertificate,
    SealMethod,
    SealResult,
    SopsMethod,
    seal_secrets,
)
from tests.conftest import PRIVATE_KEY_PEM

from .helpers import NOW, secret

KEY = bytes(range(32))


class Keystore:
    """Fake keystore secrets whose opener counts what it decrypts."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def secret(self, path: str, plain: bytes, version: int = 0) -> KeystoreSecret:
        # A fake ciphertext: one per (plaintext, version), like re-encrypting the same key.
        ciphertext = hashlib.sha256(plain).digest() + bytes([version])

        def opener(opened_path: str, sealed: bytes) -> bytes:
            assert sealed == ciphertext
            self.opened.append(opened_path)
            return plain

        return KeystoreSecret(path, ciphertext, opener)


def _secrets(keys: Keystore, key_version: int = 0, password: bytes = b"pw-7Qx-long-enough"
             ) -> list[PlainSecret]:
    return [
        secret("peer0-keys", "org1", tls_crt=b"-----BEGIN CERTIFICATE-----\nMIIB-public\n",
               tls_key=keys.secret("peer0/tls/key.age", PRIVATE_KEY_PEM + b"peer0", key_version),
               password=keys.secret("peer0/couchdb.age", password)),
        secret("ca-keys", "org2", password=keys.secret("ca/admin.age", b"Sup3r-s3cret!-ca")),
        secret("public", "org2", username=b"couch-user"),  # nothing to decrypt: no fact
    ]


def _run(secrets: list[PlainSecret], method: SealMethod, before: SealResult | None = None,
         known: frozenset[str] = frozenset()) -> SealResult:
    return seal_secrets(secrets, method, current=before.files if before else {},
                        previous=before.index if before else SealIndex(), index_key=KEY,
                        random=os.urandom, now=NOW, known=known)


@pytest.fixture(params=["sealed-secrets", "sops"])
def method(request: pytest.FixtureRequest, certificate: SealingCertificate,
           age_identity: pyrage.x25519.Identity) -> SealMethod:
    if request.param == "sops":
        return SopsMethod((str(age_identity.to_public()),))
    return SealedSecretsMethod(certificate)


def test_a_known_token_manifest_is_reused_without_decrypting(method: SealMethod) -> None:
    first_keys = Keystore()
    first = _run(_secrets(first_keys), method)
    assert len(first_keys.opened) == 3  # a first seal decrypts what it seals
    assert len(first.facts) == 2  # one fact per secret holding keystore secrets

    keys = Keystore()
    again = _run(_secrets(keys), method, first, known=first.facts)
    assert keys.opened == []
    assert again.files == first.files and again.index == first.index and again.resealed == ()
    assert again.facts == first.facts


def test_without_the_memo_the_same_decision_takes_decryptions(method: SealMethod) -> None:
    first = _run(_secrets(Keystore()), method)
    keys = Keystore()
    again = _run(_secrets(keys), method, first)
    assert sorted(keys.opened) == ["ca/admin.age", "peer0/couchdb.age", "peer0/tls/key.age"]
    assert again.files == first.files and again.resealed == ()
    assert again.facts == first.facts  # remembered for next time


def test_a_damaged_or_foreign_memo_only_costs_decryptions(method: SealMethod) -> None:
    first = _run(_secrets(Keystore()), method)
    garbage = frozenset({"0" * 64, "not a fact", *(f[::-1] for f in first.facts)})
    keys = Keystore()
    again = _run(_secrets(keys), method, first, known=garbage)
    assert len(keys.opened) == 3
    assert again.files == first.files and again.resealed == ()
    # Facts made under another index key never match.
    other = seal_secrets(_secrets(Keystore()), method, current=first.files,
                         previous=first.index, index_key=bytes(32), random=os.urandom, now=NOW)
    assert not other.facts & first.facts


def test_a_new_ciphertext_of_the_same_key_is_decrypted_and_still_reused(
        method: SealMethod) -> None:
    first = _run(_secrets(Keystore()), method)
    keys = Keystore()
    again = _run(_secrets(keys, key_version=1), method, first, known=first.facts)
    # Only the secret whose token changed is decrypted; its plaintext did not change.
    assert sorted(keys.opened) == ["peer0/couchdb.age", "peer0/tls/key.age"]
    assert again.files == first.files and again.resealed == ()
    assert len(again.facts - first.facts) == 1


def test_a_changed_plaintext_is_resealed(method: SealMethod) -> None:
    first = _run(_secrets(Keystore()), method)
    keys = Keystore()
    again = _run(_secrets(keys, password=b"another-password-1"), method, first, known=first.facts)
    assert again.resealed == ("overlays/org1/secrets/peer0-keys.yaml",)
    assert "peer0/couchdb.age" in keys.opened and "ca/admin.age" not in keys.opened


def test_an_edited_sealed_file_is_not_reused_on_the_memo_word(method: SealMethod) -> None:
    first = _run(_secrets(Keystore()), method)
    path = "overlays/org2/secrets/ca-keys.yaml"
    edited = SealResult({**first.files, path: first.files[path] + b"# edited\n"}, first.index,
                        (), first.facts)
    keys = Keystore()
    again = _run(_secrets(keys), method, edited, known=first.facts)
    assert again.resealed == (path,) and keys.opened == ["ca/admin.age"]
