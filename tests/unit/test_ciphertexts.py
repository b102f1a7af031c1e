"""The exact leak check used by the diff tests finds real pieces and only those."""

from __future__ import annotations

import base64
import hashlib

from tests.ciphertexts import WINDOW, ciphertexts, leaked

SEALED = base64.b64encode(b"\x02\x00" + hashlib.sha512(b"sealed").digest() * 4).decode()
SOPS = "ENC[AES256_GCM,data:" + base64.b64encode(hashlib.sha256(b"s").digest()).decode() + "]"
TREE = {
    "overlays/org1/peer0/keys.yaml": (
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: k\n"
        f"spec:\n  encryptedData:\n    key: {SEALED}\n"
    ).encode(),
    "overlays/org1/peer0/sops.yaml": f"data:\n  k: {SOPS}\n".encode(),
    "channels/c/genesis.block": b"\x00binary",
}


def test_ciphertexts_reads_sealed_secrets_and_sops_values() -> None:
    assert ciphertexts(TREE) == {SEALED, SOPS}


def test_a_window_of_any_ciphertext_counts_as_leaked() -> None:
    middle = SEALED[40:40 + WINDOW]
    assert leaked(f"prefix {middle} suffix", {SEALED, SOPS}) == [SEALED]
    assert leaked(SOPS[-WINDOW:], {SEALED, SOPS}) == [SOPS]


def test_short_chance_matches_do_not_count() -> None:
    assert leaked(f"certificate text {SEALED[:WINDOW - 1]} AgB", {SEALED}) == []
