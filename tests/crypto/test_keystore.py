"""The keystore: reuse byte for byte, new and removed identities, SAN changes, recipients,
missing identities and keys, credentials, renewal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fabgitops.crypto import CryptoMaterial, expiring
from fabgitops.crypto.keys import load_private_key
from fabgitops.errors import EnvironmentProblem
from fabgitops.keystore.credentials import PASSWORD_LENGTH
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.notes import Note, NoteKind
from tests.crypto.conftest import NOW, DeterministicKeyGen, IssueFn, fixed_clock

KS = ".fabgitops/keystore"
PEER2 = f"{KS}/peerOrganizations/org1/peers/peer2.org1"


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, set[str]]:
    return {
        "added": set(after) - set(before),
        "removed": set(before) - set(after),
        "modified": {p for p in set(before) & set(after) if before[p] != after[p]},
    }


def test_second_compile_gives_a_byte_identical_keystore(
    article_text: str, compile_crypto: IssueFn
) -> None:
    first = compile_crypto(article_text)
    # Another clock and a random KeyGen: nothing may be regenerated, so nothing may differ.
    second = compile_crypto(article_text, first.keystore,
                            clock=fixed_clock(NOW + timedelta(days=9)), keygen=_Forbidden())
    assert second.keystore == first.keystore
    assert second.files == first.files
    assert second.credentials == first.credentials
    assert second.notes == ()


class _Forbidden(DeterministicKeyGen):
    """A KeyGen that fails the test when anything new is generated."""

    def private_key(self, label: str) -> ec.EllipticCurvePrivateKey:
        raise AssertionError(f"regenerated {label}")

    def serial_number(self, label: str) -> int:
        raise AssertionError(f"reissued {label}")

    def random_bytes(self, label: str, size: int) -> bytes:
        raise AssertionError(f"new credential {label}")


def test_keystore_layout_and_no_key_in_clear(article_material: CryptoMaterial) -> None:
    keystore = article_material.keystore
    assert all(p.startswith(f"{KS}/") for p in keystore)
    peer = f"{KS}/peerOrganizations/org1/peers/peer0.org1"
    for part in ("msp/cert.pem", "msp/key.age", "tls/cert.pem", "tls/key.age"):
        assert f"{peer}/{part}" in keystore
    for part in ("ca/cert.pem", "ca/key.age", "tlsca/cert.pem", "tlsca/key.age",
                 "ca-server/tls/cert.pem", "ca-server/tls/key.age"):
        assert f"{KS}/peerOrganizations/org1/{part}" in keystore
    assert f"{KS}/credentials/org1/peer0/couchdb-password.age" in keystore
    assert f"{KS}/credentials/orgorderer1/ca-admin-password.age" in keystore
    # No private key or credential appears in clear: not as PEM, base64 body or raw scalar.
    keys = [c for p, c in article_material.files.items() if p.endswith(("priv_sk", ".key"))]
    assert len(keys) == 2 * 3 + 2 * 10  # 3 orgs x (CA, TLS CA); 10 identities x (msp, tls)
    keys += [org.ca_server_tls.key_pem for org in article_material.orgs.values()]
    needles = [c.encode() for c in article_material.credentials.values()]
    for pem in keys:
        body = b"".join(pem.splitlines()[1:-1])
        scalar = load_private_key(pem).private_numbers().private_value.to_bytes(32)
        needles += [pem, body[:40], body[-40:], scalar]
    for path, content in keystore.items():
        assert b"PRIVATE KEY" not in content, path
        assert not any(n in content for n in needles), path
        if path.endswith(".age"):
            assert content.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n"), path
        else:
            assert path.endswith((".pem", "recipients.txt")), path


def _with_peers(text: str, count: int) -> str:
    # Org1 is the first org with "Count: 2" under Template in the article.
    return text.replace("Template:\n      Count: 2", f"Template:\n      Count: {count}", 1)


def test_adding_a_peer_adds_only_its_files_and_removing_retires_them(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text)
    grown = compile_crypto(_with_peers(article_text, 3), base.keystore)
    diff = _changed(base.keystore, grown.keystore)
    assert diff["removed"] == diff["modified"] == set()
    assert diff["added"] == {f"{PEER2}/{p}" for p in
                             ("msp/cert.pem", "msp/key.age", "tls/cert.pem", "tls/key.age")} \
        | {f"{KS}/credentials/org1/peer2/couchdb-password.age"}
    # The new peer is signed by the existing CA.
    new_cert = grown.identity("Org1", "peer2.org1").enrollment.certificate
    new_cert.verify_directly_issued_by(base.signing_ca("Org1").certificate)
    assert Note.created("created peerOrganizations/org1/peers/peer2.org1") in grown.notes

    shrunk = compile_crypto(article_text, grown.keystore)
    moved = diff["added"]
    assert set(shrunk.keystore) == (set(grown.keystore) - moved) | {
        p.replace(f"{KS}/", f"{KS}/retired/") for p in moved}
    for path in moved:
        assert shrunk.keystore[path.replace(f"{KS}/", f"{KS}/retired/")] == grown.keystore[path]
    assert {p: c for p, c in shrunk.keystore.items() if "/retired/" not in p} == base.keystore
    # Retired files are carried over by later compiles.
    again = compile_crypto(article_text, shrunk.keystore)
    assert again.keystore == shrunk.keystore
    # A peer that comes back gets its old identity back from retired/.
    back = compile_crypto(_with_peers(article_text, 3), again.keystore, keygen=_Forbidden())
    assert back.keystore == grown.keystore


def test_removing_an_org_retires_all_its_material(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text)
    without_org2 = article_text[: article_text.index("  - Name: Org2")]
    smaller = compile_crypto(without_org2, base.keystore)
    org2 = {p for p in base.keystore if "/org2/" in p}
    assert len(org2) > 20
    for path in org2:
        assert smaller.keystore[path.replace(f"{KS}/", f"{KS}/retired/")] == base.keystore[path]
        assert path not in smaller.keystore


def test_changed_sans_reissue_only_that_tls_certificate(
    complex_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(complex_text)
    edited = complex_text.replace('"192.168.1.10", "::1"]', '"192.168.1.11", "::1"]')
    assert edited != complex_text
    after = compile_crypto(edited, base.keystore, clock=fixed_clock(NOW + timedelta(days=1)))
    tls = f"{KS}/peerOrganizations/org1.example.com/peers/alpha.org1.example.com/tls/cert.pem"
    assert _changed(base.keystore, after.keystore) == {
        "added": set(), "removed": set(), "modified": {tls}}
    old = base.identity("Org1", "alpha.org1.example.com").tls.certificate
    new = after.identity("Org1", "alpha.org1.example.com").tls.certificate
    assert new.public_key() == old.public_key() and new.serial_number != old.serial_number
    assert any("the SANs changed" in n.text for n in after.notes)


def test_changed_recipients_reencrypt_every_secret(
    article_text: str, compile_crypto: IssueFn, age_identity: AgeIdentity
) -> None:
    base = compile_crypto(article_text)
    other = AgeIdentity.generate("colleague")
    recipients = sorted([age_identity.recipients[0], other.recipients[0]])
    text = article_text + "\nKeystore:\n  AgeRecipients:\n" + "".join(
        f"    - {r}\n" for r in recipients)
    shared = compile_crypto(text, base.keystore)
    diff = _changed(base.keystore, shared.keystore)
    secrets = {p for p in base.keystore if p.endswith(".age")}
    assert diff["modified"] == secrets | {f"{KS}/recipients.txt"}
    assert diff["added"] == diff["removed"] == set()
    assert shared.files == base.files
    # The colleague alone can now open the keystore; a stable set changes nothing.
    again = compile_crypto(text, shared.keystore, identity=other, keygen=_Forbidden())
    assert again.keystore == shared.keystore and again.files == base.files
    assert shared.keystore[f"{KS}/recipients.txt"].decode().split("\n")[1:3] == recipients


def test_identity_not_among_configured_recipients_fails(
    article_text: str, compile_crypto: IssueFn
) -> None:
    other = AgeIdentity.generate("colleague").recipients[0]
    text = article_text + f"\nKeystore:\n  AgeRecipients:\n    - {other}\n"
    with pytest.raises(EnvironmentProblem, match=r"not listed in Keystore\.AgeRecipients"):
        compile_crypto(text)


def test_a_keystore_that_cannot_be_decrypted_is_never_regenerated(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text)
    stranger = AgeIdentity.generate("stranger")
    with pytest.raises(EnvironmentProblem, match=r"cannot decrypt .*nothing was regenerated"):
        compile_crypto(article_text, base.keystore, identity=stranger, keygen=_Forbidden())


def test_a_missing_key_next_to_its_certificate_is_an_environment_problem(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text)
    for victim in ("peerOrganizations/org1/ca/key.age",
                   "peerOrganizations/org1/peers/peer0.org1/tls/key.age"):
        damaged = {p: c for p, c in base.keystore.items() if p != f"{KS}/{victim}"}
        assert len(damaged) == len(base.keystore) - 1
        with pytest.raises(EnvironmentProblem, match="is missing"):
            compile_crypto(article_text, damaged, keygen=_Forbidden())


def test_credentials_are_created_once_and_reused(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text, credentials=["extra/token"])
    password = base.credential("org1/ca-admin-password")
    assert re.fullmatch(f"[A-Za-z0-9]{{{PASSWORD_LENGTH}}}", password)
    assert len(set(base.credentials.values())) == len(base.credentials)
    again = compile_crypto(article_text, base.keystore, credentials=["extra/token"],
                           keygen=_Forbidden())
    assert again.credentials == base.credentials
    with pytest.raises(KeyError, match="was not generated"):
        base.credential("nope")
    dropped = compile_crypto(article_text, base.keystore)
    assert f"{KS}/retired/credentials/extra/token.age" in dropped.keystore


def test_expiring_certificates_and_renewal(article_text: str, compile_crypto: IssueFn) -> None:
    base = compile_crypto(article_text)
    late = NOW + timedelta(days=3640)
    soon = expiring(base, now=late, within_days=30)
    assert len(soon) == sum(1 for _ in base.certificates())
    assert {e.is_ca for e in soon} == {True, False}
    assert expiring(base, now=NOW, within_days=30) == []

    renewed = compile_crypto(article_text, base.keystore, clock=fixed_clock(late), renew=True)
    diff = _changed(base.keystore, renewed.keystore)
    assert diff["added"] == diff["removed"] == set()
    leaves = {p for p in base.keystore if p.endswith("cert.pem")
              and not p.endswith(("/ca/cert.pem", "/tlsca/cert.pem"))}
    assert diff["modified"] == leaves
    left = expiring(renewed, now=late, within_days=30)
    assert left and all(e.is_ca for e in left)
    for org in renewed.orgs.values():
        for identity in (*org.nodes, *org.users):
            before = base.identity(org.name, identity.common_name)
            assert identity.enrollment.key_pem == before.enrollment.key_pem
            assert identity.tls.certificate.not_valid_after_utc > late + timedelta(days=3000)


def test_a_changed_ca_subject_keeps_the_ca_and_reissues_leaves_with_their_keys(
    article_text: str, compile_crypto: IssueFn
) -> None:
    base = compile_crypto(article_text)
    edited = article_text.replace("    Domain: org1\n", "    Domain: org1\n    CA:\n"
                                  "      Country: DE\n", 1)
    after = compile_crypto(edited, base.keystore)
    diff = _changed(base.keystore, after.keystore)
    assert diff["added"] == diff["removed"] == set()
    assert diff["modified"] and all("/org1/" in p and p.endswith("cert.pem")
                                    and "/ca/" not in p for p in diff["modified"])
    assert any(n.kind is NoteKind.WARNING
               and n.text.startswith("CA peerOrganizations/org1/ca keeps") for n in after.notes)
    peer = after.identity("Org1", "peer0.org1").enrollment.certificate
    assert peer.subject.rfc4514_string().endswith("C=DE")
    peer.verify_directly_issued_by(base.signing_ca("Org1").certificate)
