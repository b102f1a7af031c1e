"""Every private value reaches the cluster sealed, decrypts there, and stays stable in git."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyrage
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.crypto import CryptoMaterial
from fabgitops.errors import EnvironmentProblem
from fabgitops.output.apply import read_tree
from fabgitops.plan import Plan
from tests.e2e.support import article_config, compile_network, environment
from tests.seal.helpers import self_signed, sops_decrypt, unseal_file


def controller_certificate(directory: Path) -> rsa.RSAPrivateKey:
    """A Sealed Secrets controller key pair made in the test; its certificate is written."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = self_signed(key, not_before=datetime(2026, 1, 1, tzinfo=UTC),
                      not_after=datetime(2036, 1, 1, tzinfo=UTC))
    (directory / "sealing-cert.pem").write_bytes(pem)
    return key


def deployed_secrets(plan: Plan, material: CryptoMaterial) -> set[bytes]:
    """Private values the cluster needs: CA and TLS CA server keys, node and admin keys,
    generated passwords."""
    values = {material.credential(n).encode() for n in material.credentials
              if not n.startswith("fabgitops/")}
    for org in plan.orgs:
        values.add(material.signing_ca(org).key_pem)
        values.add(material.ca_server_tls(org).key_pem)
        for identity in [n.identity for n in org.nodes] + [org.admin]:
            values.add(material.local_msp(org, identity)["keystore/priv_sk"])
    return values


def sealed_files(root: Path) -> dict[str, bytes]:
    return {p: c for p, c in read_tree(root).items()
            if p.endswith(".yaml") and b"\nkind: SealedSecret\n" in c}


def test_every_sealed_secret_decrypts_and_holds_the_keys(tmp_path: Path) -> None:
    config = article_config(tmp_path / "repo")
    key = controller_certificate(config.parent)
    outcome = compile_network(config, environment(tmp_path))
    files = sealed_files(config.parent)
    assert len(files) >= 10
    unsealed: set[bytes] = set()
    for content in files.values():
        unsealed |= set(unseal_file(content, key).values())
    missing = deployed_secrets(outcome.compiled.plan, outcome.compiled.material) - unsealed
    assert not missing, f"{len(missing)} private values reach no Secret"


def test_rotating_the_sealing_certificate_reseals_everything_and_nothing_else(
    tmp_path: Path,
) -> None:
    config = article_config(tmp_path / "repo")
    controller_certificate(config.parent)
    compile_network(config, environment(tmp_path))
    before = sealed_files(config.parent)
    new_key = controller_certificate(config.parent)
    outcome = compile_network(config, environment(tmp_path))
    changed = set(outcome.compiled.changes.paths)
    assert changed == set(before) | {".fabgitops/seal-index.json"}
    for path, content in sealed_files(config.parent).items():
        assert content != before[path]
        assert unseal_file(content, new_key)


def test_sops_mode_decrypts_with_the_real_sops(tmp_path: Path) -> None:
    identity = pyrage.x25519.Identity.generate()
    config = article_config(tmp_path / "repo", "Secrets:\n  Mode: sops\n  Sops:\n"
                            f"    AgeRecipients: [{identity.to_public()}]\nGitOps:\n"
                            "  Engine: flux\n")
    outcome = compile_network(config, environment(tmp_path))
    root = config.parent
    tree = read_tree(root)
    encrypted = sorted(p for p, c in tree.items() if b"\nsops:\n" in c)
    assert len(encrypted) >= 10
    assert b"creation_rules" in tree[".sops.yaml"]
    flux = yaml.safe_load(tree["clusters/fabric/flux/kustomization-org1.yaml"].split(b"\n", 1)[1])
    assert flux["spec"]["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
    decrypted: set[bytes] = set()
    for path in encrypted:
        result = sops_decrypt(root / path, str(identity))
        assert result.returncode == 0, result.stderr
        secret = yaml.safe_load(result.stdout)
        assert secret["kind"] == "Secret"
        decrypted |= {base64.b64decode(v) for v in secret.get("data", {}).values()}
    missing = deployed_secrets(outcome.compiled.plan, outcome.compiled.material) - decrypted
    assert not missing
    for path, content in tree.items():
        assert b"PRIVATE KEY" not in content, path
        for value in deployed_secrets(outcome.compiled.plan, outcome.compiled.material):
            assert value not in content, path


@pytest.mark.parametrize("days", [-1, 400])
def test_an_expired_or_future_sealing_certificate_is_refused(tmp_path: Path, days: int) -> None:
    config = article_config(tmp_path / "repo")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=days)
    (config.parent / "sealing-cert.pem").write_bytes(self_signed(
        key, not_before=start if days > 0 else start - timedelta(days=30),
        not_after=start + timedelta(days=1) if days > 0 else start))
    with pytest.raises(EnvironmentProblem, match="sealing certificate"):
        compile_network(config, environment(tmp_path))
    assert not (config.parent / "overlays").exists()
