"""SealedSecrets: certificate checks, HybridEncrypt's byte layout, scopes and the manifest."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest
import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from fabgitops.errors import EnvironmentProblem, ExitCode
from fabgitops.seal import Scope, SealingCertificate, load_certificate
from fabgitops.seal.hybrid import hybrid_encrypt
from fabgitops.seal.sealed_secrets import (
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    encryption_label,
    seal_value,
    sealed_secret_manifest,
)
from fabgitops.tree import GENERATED_HEADER
from tests.conftest import PRIVATE_KEY_PEM

from .helpers import NOW, secret, seeded, self_signed, unseal


def test_label_per_scope_is_what_encryption_label_writes() -> None:
    assert encryption_label("org1", "peer0-tls", Scope.STRICT) == b"org1/peer0-tls"
    assert encryption_label("org1", "peer0-tls", Scope.NAMESPACE_WIDE) == b"org1"
    assert encryption_label("org1", "peer0-tls", Scope.CLUSTER_WIDE) == b""


@pytest.mark.parametrize("scope", list(Scope))
def test_value_round_trips_under_its_scope_label(
        scope: Scope, certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    label = encryption_label("org1", "peer0-tls", scope)
    sealed = seal_value(certificate, PRIVATE_KEY_PEM + b"\x00\xff", label, os.urandom)
    assert unseal(sealed, controller_key, label) == PRIVATE_KEY_PEM + b"\x00\xff"


@pytest.mark.parametrize(("namespace", "name"), [("org2", "peer0-tls"), ("org1", "peer1-tls")])
def test_strict_scope_binds_name_and_namespace(
        namespace: str, name: str, certificate: SealingCertificate,
        controller_key: rsa.RSAPrivateKey) -> None:
    sealed = seal_value(certificate, b"v", encryption_label("org1", "peer0-tls", Scope.STRICT),
                        os.urandom)
    with pytest.raises(ValueError, match="Decryption failed"):
        unseal(sealed, controller_key, encryption_label(namespace, name, Scope.STRICT))


def test_namespace_wide_survives_a_rename_but_not_a_move(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    sealed = seal_value(certificate, b"v", b"org1", os.urandom)
    assert unseal(sealed, controller_key, encryption_label("org1", "other", Scope.NAMESPACE_WIDE))
    with pytest.raises(ValueError, match="Decryption failed"):
        unseal(sealed, controller_key, encryption_label("org2", "x", Scope.NAMESPACE_WIDE))
    with pytest.raises(ValueError, match="Decryption failed"):
        unseal(sealed, controller_key, b"")


def test_cluster_wide_has_an_empty_label(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    sealed = seal_value(certificate, b"v", b"", os.urandom)
    assert unseal(sealed, controller_key, b"") == b"v"
    with pytest.raises(ValueError, match="Decryption failed"):
        unseal(sealed, controller_key, b"org1")


def test_byte_layout_and_injected_randomness(certificate: SealingCertificate) -> None:
    raw = hybrid_encrypt(certificate.modulus, certificate.exponent, b"abc", b"l",
                         seeded(7).randbytes)
    assert raw[:2] == (256).to_bytes(2, "big")  # RSA-2048: 256-byte OAEP ciphertext
    assert len(raw) == 2 + 256 + 3 + 16
    again = hybrid_encrypt(certificate.modulus, certificate.exponent, b"abc", b"l",
                           seeded(7).randbytes)
    other = hybrid_encrypt(certificate.modulus, certificate.exponent, b"abc", b"l",
                           seeded(8).randbytes)
    assert raw == again != other


def test_tampered_ciphertext_is_rejected(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey) -> None:
    raw = bytearray(base64.b64decode(seal_value(certificate, b"value", b"l", os.urandom)))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        unseal(base64.b64encode(bytes(raw)).decode(), controller_key, b"l")


def test_rsa_4096_layout_matches_the_controller_default() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    cert = load_certificate(self_signed(key), now=NOW)
    value = seal_value(cert, b"x" * 10, b"org1/a", os.urandom)
    raw = base64.b64decode(value)
    assert value.startswith("Ag") and raw[:2] == b"\x02\x00"
    assert len(raw) == 2 + 512 + 10 + 16
    assert unseal(value, key, b"org1/a") == b"x" * 10


def test_certificate_fields(controller_key: rsa.RSAPrivateKey) -> None:
    pem = self_signed(controller_key)
    cert = load_certificate(pem + self_signed(controller_key, cn="second"), now=NOW)
    # The first certificate of the file counts, as in kubeseal's ParseKey.
    assert cert.key_bits == 2048 and cert.subject == "CN=sealed-secret"
    assert cert.modulus == controller_key.public_key().public_numbers().n
    assert cert.fingerprint == load_certificate(pem, now=NOW).fingerprint
    assert cert.fingerprint != load_certificate(self_signed(controller_key, cn="x"), now=NOW
                                                ).fingerprint


def test_expired_and_not_yet_valid_certificates_are_refused(
        controller_key: rsa.RSAPrivateKey) -> None:
    expired = self_signed(controller_key, not_before=NOW - timedelta(days=60),
                          not_after=NOW - timedelta(days=30))
    with pytest.raises(EnvironmentProblem, match=r"pub\.pem expired on 2026-01-30 12:00:00 UTC"):
        load_certificate(expired, now=NOW, source="pub.pem")
    future = self_signed(controller_key, not_before=NOW + timedelta(hours=1))
    with pytest.raises(EnvironmentProblem, match="not valid before 2026-03-01 13:00:00 UTC"):
        load_certificate(future, now=NOW)


def test_bare_public_key_garbage_and_wrong_keys_are_refused(
        controller_key: rsa.RSAPrivateKey) -> None:
    bare = controller_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    cases = [
        (bare, "is a bare public key"),
        (b"not a certificate", "contains no PEM certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a valid PEM"),
        (_ec_certificate(), "holds an ECDSA key, not RSA"),
        (self_signed(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
         "RSA-1024 key; at least RSA-2048"),
    ]
    refused = 0
    for pem, message in cases:
        with pytest.raises(EnvironmentProblem, match=message) as info:
            load_certificate(pem, now=NOW, source="cert.pem")
        assert info.value.exit_code is ExitCode.ENVIRONMENT
        assert str(info.value).startswith("cert.pem ")
        refused += 1
    assert refused == len(cases) == 5


def _ec_certificate() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(Encoding.PEM)


@pytest.mark.parametrize(("scope", "expected"), [
    (Scope.STRICT, {}),
    (Scope.NAMESPACE_WIDE, {NAMESPACE_WIDE_ANNOTATION: "true"}),
    (Scope.CLUSTER_WIDE, {CLUSTER_WIDE_ANNOTATION: "true"}),
])
def test_manifest_shape_and_scope_annotations_on_both_metadata(
        scope: Scope, expected: dict[str, str]) -> None:
    plain = secret(data_key=b"x")
    # A stale scope annotation on the input must not contradict the scope actually used.
    plain = type(plain)(**{**plain.__dict__, "annotations": {
        **plain.annotations, CLUSTER_WIDE_ANNOTATION: "true"}})
    manifest = sealed_secret_manifest(plain, {"data.key": "AgBx"}, scope)
    annotations = {"argocd.argoproj.io/sync-wave": "1", **expected}
    metadata = {"name": "peer0-tls", "namespace": "org1", "annotations": annotations,
                "labels": {"app.kubernetes.io/part-of": "fabric"}}
    assert manifest == {
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": metadata,
        "spec": {"encryptedData": {"data.key": "AgBx"},
                 "template": {"metadata": metadata, "type": "Opaque"}},
    }
    text = yaml.safe_dump(manifest)
    assert "creationTimestamp" not in text and "&id" not in text


def test_sealed_file_has_the_header_and_no_alias(certificate: SealingCertificate) -> None:
    from fabgitops.seal import SealedSecretsMethod, SealIndex, seal_secrets

    result = seal_secrets([secret()], SealedSecretsMethod(certificate), current={},
                          previous=SealIndex(), index_key=bytes(32), random=os.urandom, now=NOW)
    (content,) = result.files.values()
    assert content.startswith(GENERATED_HEADER.encode())
    text = content.decode()
    assert "&id" not in text and "*id" not in text and "creationTimestamp" not in text
    assert yaml.safe_load(text)["spec"]["template"]["type"] == "Opaque"


@settings(max_examples=40, deadline=None)
@given(value=st.binary(max_size=600), namespace=st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True),
       name=st.from_regex(r"[a-z0-9][-a-z0-9.]{0,20}", fullmatch=True),
       scope=st.sampled_from(Scope), seed=st.integers(0, 2**32))
def test_property_seal_then_unseal(value: bytes, namespace: str, name: str, scope: Scope,
                                   seed: int, certificate: SealingCertificate,
                                   controller_key: rsa.RSAPrivateKey) -> None:
    label = encryption_label(namespace, name, scope)
    sealed = seal_value(certificate, value, label, seeded(seed).randbytes)
    assert len(base64.b64decode(sealed)) == 2 + 256 + len(value) + 16
    assert unseal(sealed, controller_key, label) == value
    with pytest.raises(ValueError, match="Decryption failed"):
        unseal(sealed, controller_key, label + b"x")
