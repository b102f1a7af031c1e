"""The seal stage: stable diffs across runs, re-sealing exactly what changed, no plaintext out."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

import pyrage
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.errors import EnvironmentProblem
from fabgitops.seal import (
    PlainMethod,
    PlainSecret,
    Scope,
    SealedSecretsMethod,
    SealIndex,
    SealingCertificate,
    SealMethod,
    SealResult,
    SopsMethod,
    dumps,
    load_certificate,
    loads,
    plain_secret_manifest,
    seal_secrets,
)
from fabgitops.tree import GENERATED_HEADER
from tests.conftest import PRIVATE_KEY_PEM

from .helpers import NOW, secret, self_signed, sops_decrypt, unseal_file

KEY = bytes(range(32))
PEER_KEY = PRIVATE_KEY_PEM + b"\nMIGHAgEAMBMGByqGSM49-peer0-private\n"


def _secrets() -> list[PlainSecret]:
    return [
        secret("peer0-tls", "org1", tls_crt=b"-----BEGIN CERTIFICATE-----\nMIIB-public\n",
               tls_key=PEER_KEY),
        secret("couchdb-admin", "org1", password=b"correct horse battery staple",
               username=b"couch-user-7Qx"),
        secret("ca-admin", "org2", password=b"Sup3r-s3cret!"),
    ]


def _run(secrets: list[PlainSecret], method: SealMethod, before: SealResult | None = None,
         key: bytes = KEY) -> SealResult:
    return seal_secrets(secrets, method, current=before.files if before else {},
                        previous=before.index if before else SealIndex(), index_key=key,
                        random=os.urandom, now=NOW)


def _changed(before: SealResult, after: SealResult) -> set[str]:
    return {p for p in after.files if before.files.get(p) != after.files[p]}


def _with(plain: PlainSecret, **changes: Any) -> PlainSecret:
    return dataclasses.replace(plain, **changes)


def test_resealing_unchanged_input_is_byte_identical(certificate: SealingCertificate) -> None:
    first = _run(_secrets(), SealedSecretsMethod(certificate))
    assert first.resealed == tuple(s.path for s in _secrets())
    second = _run(_secrets(), SealedSecretsMethod(certificate), first)
    assert second.files == first.files and second.resealed == ()
    assert dumps(second.index) == dumps(first.index)
    assert all(c.startswith(GENERATED_HEADER.encode()) for c in second.files.values())


def test_every_value_decrypts_to_the_plaintext(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    secrets = _secrets()
    assert len(secrets) > 1 and len(Scope) == 3
    for scope in Scope:
        result = _run(secrets, SealedSecretsMethod(certificate, scope))
        for plain in secrets:
            assert unseal_file(result.files[plain.path], controller_key) == plain.data


def test_one_changed_value_reseals_only_that_value(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    first = _run(_secrets(), SealedSecretsMethod(certificate))
    edited = _secrets()
    edited[1] = _with(edited[1], data={**edited[1].data, "password": b"new password"})
    second = _run(edited, SealedSecretsMethod(certificate), first)
    path = edited[1].path
    assert _changed(first, second) == {path} and second.resealed == (path,)
    old, new = (yaml.safe_load(r.files[path])["spec"]["encryptedData"] for r in (first, second))
    assert old["username"] == new["username"] and old["password"] != new["password"]
    assert unseal_file(second.files[path], controller_key) == edited[1].data


def test_metadata_change_keeps_every_ciphertext(certificate: SealingCertificate) -> None:
    first = _run(_secrets(), SealedSecretsMethod(certificate))
    edited = _secrets()
    edited[0] = _with(edited[0], labels={"app": "peer"})
    second = _run(edited, SealedSecretsMethod(certificate), first)
    path = edited[0].path
    assert _changed(first, second) == {path} and second.resealed == ()
    old, new = (yaml.safe_load(r.files[path]) for r in (first, second))
    assert old["spec"]["encryptedData"] == new["spec"]["encryptedData"]
    assert new["spec"]["template"]["metadata"]["labels"] == {"app": "peer"}


@pytest.mark.parametrize("change", ["name", "namespace", "scope"])
def test_scope_label_inputs_reseal(change: str, certificate: SealingCertificate,
                                   controller_key: rsa.RSAPrivateKey) -> None:
    first = _run(_secrets(), SealedSecretsMethod(certificate))
    edited, method = _secrets(), SealedSecretsMethod(certificate)
    if change == "scope":
        method = SealedSecretsMethod(certificate, Scope.NAMESPACE_WIDE)
    else:
        edited[2] = _with(edited[2], **{change: "renamed"})
    second = _run(edited, method, first)
    expected = set(second.files) if change == "scope" else {edited[2].path}
    assert set(second.resealed) == expected
    for plain in edited:
        assert unseal_file(second.files[plain.path], controller_key) == plain.data


def test_rotated_certificate_reseals_every_file(certificate: SealingCertificate) -> None:
    first = _run(_secrets(), SealedSecretsMethod(certificate))
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rotated = load_certificate(self_signed(new_key), now=NOW)
    second = _run(_secrets(), SealedSecretsMethod(rotated), first)
    assert _changed(first, second) == set(first.files) == set(second.resealed)
    for plain in _secrets():
        assert unseal_file(second.files[plain.path], new_key) == plain.data
        old = yaml.safe_load(first.files[plain.path])["spec"]["encryptedData"]
        new = yaml.safe_load(second.files[plain.path])["spec"]["encryptedData"]
        assert not set(old.values()) & set(new.values())


def test_edited_missing_or_unknown_files_are_resealed(certificate: SealingCertificate) -> None:
    method = SealedSecretsMethod(certificate)
    first = _run(_secrets(), method)
    paths = [s.path for s in _secrets()]
    tampered = dict(first.files)
    tampered[paths[0]] = tampered[paths[0]].replace(b"encryptedData:", b"encryptedData: \n")
    del tampered[paths[1]]
    second = seal_secrets(_secrets(), method, current=tampered, previous=first.index,
                          index_key=KEY, random=os.urandom, now=NOW)
    assert second.resealed == (paths[0], paths[1])
    assert second.files[paths[2]] == first.files[paths[2]]
    other_key = _run(_secrets(), method, first, key=bytes(32))
    assert set(other_key.resealed) == set(paths)


def test_sops_stability_change_and_recipient_rotation(tmp_path: Path, age_identity: Any) -> None:
    method = SopsMethod((str(age_identity.to_public()),))
    first = _run(_secrets(), method)
    second = _run(_secrets(), method, first)
    assert second.files == first.files and second.resealed == ()
    edited = _secrets()
    edited[2] = _with(edited[2], data={"password": b"changed"})
    third = _run(edited, method, second)
    assert _changed(second, third) == {edited[2].path} == set(third.resealed)
    newcomer = pyrage.x25519.Identity.generate()
    wider = SopsMethod((*method.recipients, str(newcomer.to_public())))
    fourth = _run(edited, wider, third)
    assert _changed(third, fourth) == set(fourth.files)
    for number, plain in enumerate(edited):
        file = tmp_path / f"{number}.yaml"
        file.write_bytes(fourth.files[plain.path])
        done = sops_decrypt(file, str(newcomer))
        assert done.returncode == 0, done.stderr
        assert yaml.safe_load(done.stdout) == plain_secret_manifest(plain)


def test_switching_methods_reencrypts(certificate: SealingCertificate, age_identity: Any) -> None:
    sealed = _run(_secrets(), SealedSecretsMethod(certificate))
    sops = _run(_secrets(), SopsMethod((str(age_identity.to_public()),)), sealed)
    assert set(sops.resealed) == set(sops.files)
    plain = _run(_secrets(), PlainMethod(), sops)
    assert plain.index == SealIndex() and plain.resealed == ()
    for item in _secrets():
        assert yaml.safe_load(plain.files[item.path]) == plain_secret_manifest(item)
    again = _run(_secrets(), SealedSecretsMethod(certificate), plain)
    assert set(again.resealed) == set(again.files)


def test_no_plaintext_in_sealed_or_sops_output_or_index(
        certificate: SealingCertificate, age_identity: Any) -> None:
    outputs: list[bytes] = []
    recipients = (str(age_identity.to_public()),)
    for method in (SealedSecretsMethod(certificate), SopsMethod(recipients)):
        result = _run(_secrets(), method)
        outputs.extend(result.files.values())
        outputs.append(dumps(result.index))
    blob = b"\n".join(outputs)
    for plain in _secrets():
        for value in plain.data.values():
            assert isinstance(value, bytes)
            forms = [value, base64.b64encode(value), hashlib.sha256(value).hexdigest().encode(),
                     hashlib.sha256(base64.b64encode(value)).hexdigest().encode()]
            assert not any(form in blob for form in forms), value
    assert b"PRIVATE KEY" not in blob and b"hunter" not in blob


def test_index_round_trip_and_format(certificate: SealingCertificate) -> None:
    result = _run(_secrets(), SealedSecretsMethod(certificate))
    text = dumps(result.index)
    assert loads(text) == result.index and text.endswith(b"}\n")
    document = yaml.safe_load(text)
    assert document["format"] == "fabgitops-seal-index" and document["version"] == 1
    entry = document["files"]["overlays/org1/secrets/peer0-tls.yaml"]
    assert entry["method"] == "sealed-secrets" and set(entry["values"]) == {"tls.crt", "tls.key"}
    content = result.files["overlays/org1/secrets/peer0-tls.yaml"]
    assert entry["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(("content", "message"), [
    (b"<<<<<<< HEAD\n", "is not valid JSON"),
    (b"[]", "is not a fabgitops seal index"),
    (b'{"format": "fabgitops-seal-index", "version": 9, "files": {}}', "index version 9"),
    (b'{"format": "fabgitops-seal-index", "version": 1, "files": {"a": {}}}', "entry 'a'"),
    (b'{"format": "fabgitops-seal-index", "version": 1, "files": {"a": {"method": "sops",'
     b' "fingerprint": "x", "sha256": "y", "values": {}}}}', "64 lower-case hex"),
])
def test_broken_index_says_how_to_recover(content: bytes, message: str) -> None:
    with pytest.raises(EnvironmentProblem, match=message) as info:
        loads(content, source=".fabgitops/seal-index.json")
    assert "delete .fabgitops/seal-index.json to re-seal every secret" in str(info.value)


def test_caller_mistakes(certificate: SealingCertificate) -> None:
    with pytest.raises(EnvironmentProblem, match="must be 32 bytes"):
        _run(_secrets(), SealedSecretsMethod(certificate), key=b"short")
    with pytest.raises(ValueError, match="share an output path"):
        _run([*_secrets(), _secrets()[0]], SealedSecretsMethod(certificate))
    with pytest.raises(ValueError, match="not an age recipient"):
        _run(_secrets(), SopsMethod(("age1bad",)))
    with pytest.raises(ValueError, match="not a DNS-1123 label"):
        secret("x", "Org_1")
    with pytest.raises(ValueError, match="clean relative POSIX path"):
        PlainSecret(path="../x.yaml", name="x", namespace="a")
    with pytest.raises(ValueError, match=r"needs data keys tls\.crt and tls\.key"):
        PlainSecret(path="x.yaml", name="x", namespace="a", type="kubernetes.io/tls")
