"""Signatures collected in git: adding a third party's org to a running two-party channel."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import yaml

from fabgitops import cli
from fabgitops.channel._pb import common, configtx, serialize
from fabgitops.channel.authorize import ROLE_MEMBER, Signer
from fabgitops.channel.history import Update, read_history
from fabgitops.channel.signing import KeyedSigner, signatures
from fabgitops.channel.stage import admin_signers
from fabgitops.errors import ExitCode
from fabgitops.notes import Note
from fabgitops.output.apply import read_tree
from fabgitops.parties.signatures import detached_signature, signature_path, status
from tests.e2e.support import counter_random
from tests.parties.support import Party, _environ
from tests.parties.test_parties import (
    ALPHA,
    ORG2_EXTERNAL,
    ORG3_EXTERNAL,
    OTHER,
    first_compiles,
    own,
)

TWO = "Channels:\n  - {Name: mychannel, Organizations: [Org1, Org2]}\n"
THREE = "Channels:\n  - {Name: mychannel, Organizations: [Org1, Org2, Org3]}\n"
ORG1_EXT = "  - {Name: Org1, Domain: org1, External: true, Bundle: bundles/Org1.yaml}\n"


def beta_config(channels: str, org3: bool) -> str:
    return OTHER % {"peers": own("Org2", "org2") + (ORG3_EXTERNAL if org3 else ""),
                    "cluster": "beta"} + channels


def alpha_config(channels: str, org3: bool) -> str:
    return ALPHA % {"org2": ORG2_EXTERNAL, "org3": ORG3_EXTERNAL if org3 else ""} + channels


def copy(src: Party, dst: Party, path: str) -> None:
    target = dst.root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src.root / path, target)


@pytest.fixture
def two(tmp_path: Path) -> tuple[Party, Party, Party]:
    """Alpha and beta run mychannel (Org1, Org2); gamma (Org3) has exported its bundle."""
    alpha, beta, gamma = (Party(n, tmp_path / n) for n in ("alpha", "beta", "gamma"))
    first_compiles(alpha, beta, gamma)
    alpha.write_config(alpha_config(TWO, org3=False))
    alpha.compile()
    beta.write_config(beta_config(TWO, org3=False))
    assert beta.verify_channel(alpha.root / "channels/mychannel/genesis.block",
                               adopt=True) == ExitCode.OK
    beta.compile()
    return alpha, beta, gamma


def notes(party: Party) -> list[Note]:
    return [n for n in party.compile().notes if "channel update" in n.text]


def test_adding_a_third_party_collects_signatures_in_git(
        two: tuple[Party, Party, Party], capsys: pytest.CaptureFixture[str]) -> None:
    alpha, beta, _ = two
    # Alpha proposes Org3: MAJORITY Admins of Org1 and Org2 is both; alpha gives Org1's.
    alpha.write_config(alpha_config(THREE, org3=True))
    [pending] = notes(alpha)
    update = next(p for p in read_tree(alpha.root) if p.endswith(".tx"))
    assert update == "channels/mychannel/updates/0001-add-org3.tx"
    assert pending.text.startswith(f"channel update {update}: pending: needs 2 of Org1MSP, "
                                   "Org2MSP (MAJORITY Admins, /Channel/Application/Admins); "
                                   "has Org1MSP:"), pending.text
    capsys.readouterr()
    assert cli.run(["validate", "-c", str(alpha.config)]) == ExitCode.OK
    err = capsys.readouterr().err
    assert f"warning: channel update {update}: pending: needs 2 of Org1MSP, Org2MSP" in err, err
    job = (alpha.root / "overlays/orgorderer1/mychannel-update-job.yaml").read_text()
    assert "name: WAITING" in job and "waiting for signatures:" in job
    assert set(_updates_data(alpha)) == {"0000.pb"}  # nothing to submit yet
    # Beta takes the proposed update (a pull request), declares the same change, and signs.
    copy(alpha, beta, update)
    beta.write_config(beta_config(THREE, org3=True))
    outcome = beta.compile()
    assert not [p for p in outcome.compiled.changes.paths if p.endswith(".tx")]
    with _environ(FABGITOPS_AGE_IDENTITY=beta.identity.secret_keys[0],
                  HOME=str(beta.root.parent / "beta-home")):
        assert cli.run(["sign", str(beta.root / update), "-c", str(beta.config)]) == 0
        # Signing twice adds nothing.
        assert cli.run(["sign", str(beta.root / update), "-c", str(beta.config)]) == 0
    signature = signature_path(update, "Org2MSP")
    assert sorted(p for p in read_tree(beta.root, ("channels/",)) if ".signatures/" in p) == \
        [signature]
    # The signature travels back to alpha: the update is ready.
    copy(beta, alpha, signature)
    [ready] = notes(alpha)
    job = (alpha.root / "overlays/orgorderer1/mychannel-update-job.yaml").read_text()
    assert "name: WAITING" not in job
    data = _updates_data(alpha)
    assert set(data) == {"0000.pb", "0001.pb", "0001.tx"}
    payload = common.Payload.FromString(common.Envelope.FromString(data["0001.tx"]).payload)
    signed = [m for m, _ in signatures(payload.data)]
    assert sorted(signed) == ["Orderer1MSP", "Org1MSP", "Org2MSP"]
    assert ready.text == (f"channel update {update}: ready: needs 2 of Org1MSP, Org2MSP "
                          "(MAJORITY Admins, /Channel/Application/Admins); has Org1MSP, Org2MSP")


def test_a_signature_over_another_update_never_counts(two: tuple[Party, Party, Party]) -> None:
    alpha, beta, _ = two
    tree, update = _propose_org3(alpha)
    # Org2's real admin signs a different config update (another channel's, say).
    [org2_admin] = admin_signers(beta.material_plan(), beta.material().files)
    other = serialize(configtx.ConfigUpdate(channel_id="otherchannel"))
    header = bytes(configtx.ConfigSignature.FromString(
        _sign(org2_admin, other)).signature_header)
    forged = serialize(configtx.ConfigSignature(signature_header=header,
                                                signature=org2_admin.sign(header + other)))
    path = signature_path(update.path, "Org2MSP")
    found = status(update, {**tree, path: forged})
    assert not found.satisfied and found.has == ("Org1MSP",)
    assert found.rejected == ((path, "it does not sign this update (a signature over another "
                                     "update never counts)"),)


def _updates_data(party: Party) -> dict[str, bytes]:
    manifest = yaml.safe_load(
        (party.root / "overlays/orgorderer1/channel-mychannel-updates.yaml").read_text())
    return {k: base64.b64decode(v) for k, v in manifest.get("binaryData", {}).items()}


def _sign(keyed: KeyedSigner, message: bytes) -> bytes:
    header = serialize(common.SignatureHeader(creator=keyed.signer.serialized, nonce=b"n" * 24))
    return serialize(configtx.ConfigSignature(signature_header=header,
                                              signature=keyed.sign(header + message)))


def _propose_org3(alpha: Party) -> tuple[dict[str, bytes], Update]:
    """Alpha adds Org3 to mychannel; returns its output tree and the one pending update."""
    alpha.write_config(alpha_config(THREE, org3=True))
    alpha.compile()
    tree = read_tree(alpha.root)
    history = read_history("mychannel", tree)
    assert history is not None
    [update] = history.updates
    return tree, update


def test_only_an_admin_of_a_channel_msp_signing_with_its_own_ca_counts(
        two: tuple[Party, Party, Party]) -> None:
    alpha, beta, gamma = two
    tree, update = _propose_org3(alpha)
    beta_material = beta.material()
    # Org2's peer is a member, not an admin.
    peer = beta_material.identity("Org2", "peer0.org2").enrollment
    peer_signer = KeyedSigner(Signer("Org2MSP", "peer0.org2", peer.cert_pem,
                                     frozenset({ROLE_MEMBER})), peer.key_pem)
    # Org3's admin is not yet in the channel; and claiming Org2MSP does not make it Org2's.
    [org3_admin] = admin_signers(gamma.material_plan(), gamma.material().files)
    impostor = KeyedSigner(Signer("Org2MSP", "Admin@org3", org3_admin.signer.cert_pem),
                           org3_admin.key_pem)
    rng = counter_random("sig")
    files = {
        f"{update.path.removesuffix('.tx')}.signatures/a.sig":
            detached_signature(update, peer_signer, rng),
        f"{update.path.removesuffix('.tx')}.signatures/b.sig":
            detached_signature(update, org3_admin, rng),
        f"{update.path.removesuffix('.tx')}.signatures/c.sig":
            detached_signature(update, impostor, rng),
    }
    found = status(update, {**tree, **files})
    assert not found.satisfied and found.has == ("Org1MSP",)
    reasons = dict(found.rejected)
    assert len(reasons) == 3
    assert "is not an admin of Org2MSP" in reasons[min(files)]
    assert reasons[sorted(files)[1]] == "Org3MSP is not an MSP of the channel"
    assert reasons[max(files)] == "the certificate is not issued by Org2MSP's CA"
