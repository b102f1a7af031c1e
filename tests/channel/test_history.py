"""Channel history: updates computed like configtxlator, signed by as few admins as needed,
applied like the orderer, refused where Fabric would refuse, never rewritten."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from fabgitops import yamlio
from fabgitops.channel import build_artifacts, genesis_block_path
from fabgitops.channel._pb import common, configtx, etcdraft, orderer
from fabgitops.channel.configmap import UpdateRejected, apply, delta, flatten
from fabgitops.channel.envelope import read_config_update
from fabgitops.channel.history import read_history
from fabgitops.channel.signing import signatures
from fabgitops.errors import ConfigInvalid, EnvironmentProblem
from fabgitops.plan import NodeKind, Plan

from .conftest import SCENARIOS, clock, counter_rng, make_plan
from .material import _CA, admin_material, org_material

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
BASE = SCENARIOS["etcdraft-3.1"]
ORG3 = """
  - Name: Org3
    Domain: org3
    EnableNodeOUs: true
    Template: {Count: 1}
    AnchorPeers: [peer0]
Channels:"""


def _material(plan: Plan, known: dict[str, bytes] | None = None) -> dict[str, bytes]:
    out = dict(known or {})
    for org in plan.orgs:
        if not any(p.startswith(org.crypto_dir + "/") for p in out):
            out.update(org_material(org))
            out.update(admin_material(org))
        for node in org.nodes if org.kind is NodeKind.ORDERER else ():
            # A new orderer of an existing org (the test CA is not kept: any issuer will do,
            # the compiler does not check chains).
            cn = node.identity.common_name
            base = f"{org.crypto_dir}/orderers/{cn}"
            if f"{base}/tls/server.crt" not in out:
                ca = _CA(org.ca.common_name, org.domain)
                out[f"{base}/msp/signcerts/{cn}-cert.pem"] = ca.issue(cn, ou="orderer")
                out[f"{base}/tls/server.crt"] = ca.issue(cn, sans=node.identity.sans)
    return out


class Net:
    """A network compiled once, then recompiled after edits of its config text."""

    def __init__(self, text: str = BASE) -> None:
        self.text = text
        self.plan = make_plan(text)
        self.material = _material(self.plan)
        self.tree = build_artifacts(self.plan, self.material, {}, clock=clock,
                                    rng=counter_rng()).files()

    def change(self, old: str, new: str, *, count: int = 1) -> dict[str, bytes]:
        assert self.text.count(old) >= 1, old
        self.text = self.text.replace(old, new, count)
        self.plan = make_plan(self.text)
        self.material = _material(self.plan, self.material)
        self.tree = build_artifacts(self.plan, self.material, self.tree, clock=clock,
                                    rng=counter_rng()).files()
        return self.tree

    def updates(self, channel: str = "mychannel") -> list[str]:
        return sorted(p for p in self.tree if p.startswith(f"channels/{channel}/updates/"))

    def update(self, path: str) -> tuple[configtx.ConfigUpdate, configtx.ConfigUpdateEnvelope]:
        parsed = read_config_update(self.tree[path])
        assert parsed is not None
        payload = common.Payload.FromString(common.Envelope.FromString(self.tree[path]).payload)
        return parsed[1], configtx.ConfigUpdateEnvelope.FromString(payload.data)

    def signer_msps(self, path: str) -> list[str]:
        payload = common.Payload.FromString(common.Envelope.FromString(self.tree[path]).payload)
        return [msp for msp, _ in signatures(payload.data)]


@pytest.fixture
def net() -> Iterator[Net]:
    yield Net()


def _versions(group: configtx.ConfigGroup) -> dict[str, tuple[int, str]]:
    """Every element of a read or write set: key -> (version, mod_policy)."""
    return {k: (e.version, e.mod_policy) for k, e in flatten(group).items()}


def test_recompile_without_change_is_byte_identical(net: Net) -> None:
    before = dict(net.tree)
    assert net.change("Template: {Count: 2}", "Template: {Count: 2}") == before
    assert net.updates() == []


def test_add_org_with_anchor_peers(net: Net) -> None:
    genesis = net.tree[genesis_block_path("mychannel")]
    net.change("Channels:", ORG3)
    net.change("Organizations: [Org1, Org2]", "Organizations: [Org1, Org2, Org3]")
    assert net.tree[genesis_block_path("mychannel")] == genesis  # never rewritten
    assert net.updates() == ["channels/mychannel/updates/0001-add-org3.tx",
                             "channels/mychannel/updates/0001-add-org3.yaml"]
    update, _ = net.update("channels/mychannel/updates/0001-add-org3.tx")
    assert update.channel_id == "mychannel"
    app = "[Group]  /Channel/Application"
    read, write = _versions(update.read_set), _versions(update.write_set)
    # configtxlator: membership changed, so Application goes 0 -> 1 with its mod_policy, and
    # every unchanged child is named at its version in both sets.
    assert read == {
        "[Group]  /Channel": (0, ""), app: (0, ""),
        f"{app}/Org1": (0, ""), f"{app}/Org2": (0, ""),
        **{f"[Policy] /Channel/Application/{p}": (0, "")
           for p in ("Admins", "Endorsement", "LifecycleEndorsement", "Readers", "Writers")},
        "[Value]  /Channel/Application/Capabilities": (0, ""),
    }
    org3 = f"{app}/Org3"
    new = {k: v for k, v in write.items() if k.startswith((org3, "[Value]  /Channel/Application/"
                                                                  "Org3", "[Policy] /Channel/"
                                                                  "Application/Org3"))}
    assert new == {
        org3: (0, "Admins"),
        "[Value]  /Channel/Application/Org3/MSP": (0, "Admins"),
        "[Value]  /Channel/Application/Org3/AnchorPeers": (0, "Admins"),
        **{f"[Policy] /Channel/Application/Org3/{p}": (0, "Admins")
           for p in ("Admins", "Endorsement", "Readers", "Writers")},
    }
    assert {k: v for k, v in write.items() if k not in new} == {**read, app: (1, "Admins")}
    # MAJORITY Admins of two orgs: both org admins sign, the orderer admin does not.
    assert sorted(net.signer_msps("channels/mychannel/updates/0001-add-org3.tx")) == [
        "Org1MSP", "Org2-MSP.example"]
    readable = yamlio.load_plain(net.tree["channels/mychannel/updates/0001-add-org3.yaml"]
                                 .decode())
    assert readable["changes"] == ["add org Org3 to Application"]
    assert readable["policies"] == [{
        "element": app, "policy": "/Channel/Application/Admins", "rule": "MAJORITY Admins",
        "satisfied_by": ["Org1MSP", "Org2-MSP.example"]}]
    assert readable["sequence"] == "0 -> 1"
    config = yamlio.load_plain(net.tree["channels/mychannel/config.yaml"].decode())
    assert "Org3" in config["config"]["channel_group"]["groups"]["Application"]["groups"]
    assert config["config"]["sequence"] == "1"
    # The other channel is untouched.
    assert net.updates("one") == []


def test_signatures_verify_and_are_low_s(net: Net) -> None:
    net.change("Consensus:\n  Type: etcdraft\n", "Consensus:\n  Type: etcdraft\n"
               "  BatchTimeout: 1s\n")
    path = "channels/mychannel/updates/0001-batchtimeout.tx"
    envelope = common.Envelope.FromString(net.tree[path])
    _, data = net.update(path)
    checked = 0
    for signature in data.signatures:
        creator = common.SignatureHeader.FromString(signature.signature_header).creator
        from fabgitops.channel._pb import identities
        cert = x509.load_pem_x509_certificate(
            identities.SerializedIdentity.FromString(creator).id_bytes)
        key = cert.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(signature.signature, signature.signature_header + data.config_update,
                   ec.ECDSA(hashes.SHA256()))
        assert decode_dss_signature(signature.signature)[1] <= P256_ORDER // 2
        checked += 1
    assert checked == 1  # MAJORITY of one orderer org: its admin alone
    assert net.signer_msps(path) == ["OrdererOrgMSP"]
    header = common.SignatureHeader.FromString(
        common.Payload.FromString(envelope.payload).header.signature_header)
    assert len(header.nonce) == 24


def test_batch_timeout_and_size_bump_only_their_values(net: Net) -> None:
    net.change("BatchSize: {MaxMessageCount: 10,", "BatchSize: {MaxMessageCount: 20,")
    update, _ = net.update("channels/mychannel/updates/0001-batchsize.tx")
    assert _versions(update.read_set) == {"[Group]  /Channel": (0, ""),
                                          "[Group]  /Channel/Orderer": (0, "")}
    assert _versions(update.write_set) == {"[Group]  /Channel": (0, ""),
                                           "[Group]  /Channel/Orderer": (0, ""),
                                           "[Value]  /Channel/Orderer/BatchSize": (1, "Admins")}
    assert orderer.BatchSize.FromString(
        update.write_set.groups["Orderer"].values["BatchSize"].value).max_message_count == 20
    net.change("Consensus:\n  Type: etcdraft\n", "Consensus:\n  Type: etcdraft\n"
               "  BatchTimeout: 1s\n")
    assert net.updates() == ["channels/mychannel/updates/0001-batchsize.tx",
                             "channels/mychannel/updates/0001-batchsize.yaml",
                             "channels/mychannel/updates/0002-batchtimeout.tx",
                             "channels/mychannel/updates/0002-batchtimeout.yaml"]
    update, _ = net.update("channels/mychannel/updates/0002-batchtimeout.tx")
    assert _versions(update.write_set)["[Value]  /Channel/Orderer/BatchTimeout"] == (1, "Admins")
    history = read_history("mychannel", net.tree)
    assert history is not None
    assert history.config.sequence == 2
    assert history.config.channel_group.groups["Orderer"].values["BatchSize"].version == 1


def test_anchor_peers_change_bumps_the_value_and_first_set_bumps_the_org() -> None:
    net = Net(BASE.replace("Template: {Count: 2}\n", "Template: {Count: 2}\n"
                           "    AnchorPeers: []\n"))
    net.change("AnchorPeers: []", "AnchorPeers: [peer1]")
    first = f"channels/mychannel/updates/{_only_tx(net)[0]}"
    assert first.endswith("0001-org1-anchorpeers.tx")
    update, _ = net.update(first)
    org1 = "[Group]  /Channel/Application/Org1"
    # A new value changes the org's membership: the org group goes 0 -> 1 (configtxgen's
    # -outputAnchorPeersUpdate shape), guarded by the org's Admins.
    assert _versions(update.write_set)[org1] == (1, "Admins")
    assert _versions(update.write_set)["[Value]  /Channel/Application/Org1/AnchorPeers"] == (
        0, "Admins")
    assert net.signer_msps(first) == ["Org1MSP"]
    net.change("AnchorPeers: [peer1]", "AnchorPeers: [peer0]")
    second = f"channels/mychannel/updates/{_only_tx(net)[1]}"
    assert second.endswith("0002-org1-anchorpeers.tx")
    update, _ = net.update(second)
    assert _versions(update.read_set) == {"[Group]  /Channel": (0, ""),
                                          "[Group]  /Channel/Application": (0, ""),
                                          org1: (1, "")}
    assert _versions(update.write_set)[org1] == (1, "")
    assert _versions(update.write_set)["[Value]  /Channel/Application/Org1/AnchorPeers"] == (
        1, "Admins")
    assert net.signer_msps(second) == ["Org1MSP"]


def _only_tx(net: Net) -> list[str]:
    return [p.rsplit("/", 1)[1] for p in net.updates() if p.endswith(".tx")]


def test_remove_org_needs_both_admins(net: Net) -> None:
    net.change("Organizations: [Org1, Org2]", "Organizations: [Org1]")
    path = "channels/mychannel/updates/0001-remove-org2.tx"
    update, _ = net.update(path)
    write = _versions(update.write_set)
    assert write["[Group]  /Channel/Application"] == (1, "Admins")
    assert "[Group]  /Channel/Application/Org2" not in write
    assert write["[Group]  /Channel/Application/Org1"] == (0, "")
    assert sorted(net.signer_msps(path)) == ["Org1MSP", "Org2-MSP.example"]
    history = read_history("mychannel", net.tree)
    assert history is not None
    assert sorted(history.config.channel_group.groups["Application"].groups) == ["Org1"]


def test_consenter_add_and_remove_one_at_a_time(net: Net) -> None:
    net.change("Template: {Count: 3}", "Template: {Count: 4}")
    path = f"channels/mychannel/updates/{_only_tx(net)[0]}"
    assert path.endswith("0001-consenters-ordererorg-endpoints.tx")
    update, _ = net.update(path)
    write = _versions(update.write_set)
    assert write["[Value]  /Channel/Orderer/ConsensusType"] == (1, "Admins")
    assert write["[Value]  /Channel/Orderer/OrdererOrg/Endpoints"] == (1, "Admins")
    assert net.signer_msps(path) == ["OrdererOrgMSP"]
    consensus = orderer.ConsensusType.FromString(
        update.write_set.groups["Orderer"].values["ConsensusType"].value)
    assert len(etcdraft.ConfigMetadata.FromString(consensus.metadata).consenters) == 4
    net.change("Template: {Count: 4}", "Template: {Count: 3}")
    assert _only_tx(net)[1] == "0002-consenters-ordererorg-endpoints.tx"


def test_two_consenter_changes_are_refused_with_a_location(net: Net) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        net.change("Template: {Count: 3}", "Template: {Count: 5}")
    [issue] = caught.value.issues
    assert issue.path == ("Channels", 0) and issue.line >= 1 and issue.file
    assert ("update of more than one consenter at a time is not supported, requested "
            "changes: add 2 node(s), remove 0 node(s)") in issue.message


def test_missing_admin_key_is_refused(net: Net) -> None:
    for path in [p for p in net.material if "/users/Admin@org2/" in p]:
        del net.material[path]
    with pytest.raises(ConfigInvalid) as caught:
        net.change("Organizations: [Org1, Org2]", "Organizations: [Org1]")
    [issue] = caught.value.issues
    assert "policy /Channel/Application/Admins (MAJORITY Admins) cannot be satisfied" in (
        issue.message)


def test_edited_history_is_an_environment_problem(net: Net) -> None:
    net.change("Organizations: [Org1, Org2]", "Organizations: [Org1]")
    tree = dict(net.tree)
    tree["channels/mychannel/updates/0002-again.tx"] = tree[
        "channels/mychannel/updates/0001-remove-org2.tx"]
    with pytest.raises(EnvironmentProblem, match="does not apply to the config before it"):
        read_history("mychannel", tree)
    del tree["channels/mychannel/updates/0001-remove-org2.tx"]
    with pytest.raises(EnvironmentProblem, match="expected number 0001"):
        read_history("mychannel", tree)


def test_apply_rejects_like_the_orderer(net: Net) -> None:
    net.change("Organizations: [Org1, Org2]", "Organizations: [Org1]")
    history = read_history("mychannel", net.tree)
    assert history is not None
    update = history.updates[0].config_update
    # Replayed on the config it produced: Fabric's stale read set error.
    with pytest.raises(UpdateRejected, match=r"proposed update requires that key \[Group\]  "
                       r"/Channel/Application be at version 0, but it is currently at version 1"):
        apply(history.config, update)
    empty = configtx.ConfigUpdate(channel_id="mychannel")
    empty.read_set.CopyFrom(configtx.ConfigGroup())
    empty.write_set.CopyFrom(configtx.ConfigGroup())
    with pytest.raises(UpdateRejected, match="delta set was empty"):
        delta(history.config, empty)


def _reissue(pem: bytes, *, new_key: bool) -> bytes:
    """The same certificate issued again: same public key (a renewal) or a new one."""
    old = x509.load_pem_x509_certificate(pem)
    signer = ec.generate_private_key(ec.SECP256R1())
    public = signer.public_key() if new_key else old.public_key()
    builder = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(old.issuer)
               .public_key(public).serial_number(x509.random_serial_number())
               .not_valid_before(old.not_valid_before_utc)
               .not_valid_after(old.not_valid_after_utc.replace(year=2040)))
    for extension in old.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _tls(node: int) -> str:
    return f"ordererOrganizations/orderer/orderers/orderer{node}.orderer/tls/server.crt"


def test_tls_renewal_with_the_same_key_needs_no_update(net: Net) -> None:
    for node in range(3):  # every orderer renewed at once: still no consenter change
        net.material[_tls(node)] = _reissue(net.material[_tls(node)], new_key=False)
    before = dict(net.tree)
    assert net.change("Template: {Count: 2}", "Template: {Count: 2}") == before


def test_tls_key_change_is_one_rotation_and_two_are_refused(net: Net) -> None:
    net.material[_tls(1)] = _reissue(net.material[_tls(1)], new_key=True)
    net.change("Template: {Count: 2}", "Template: {Count: 2}")
    [path] = [p for p in net.updates() if p.endswith(".tx")]
    assert path.endswith("0001-consenters.tx")
    readable = yamlio.load_plain(net.tree[path[:-3] + ".yaml"].decode())
    assert readable["changes"] == ["Channel/Orderer/ConsensusType: new TLS certificate for "
                                   "consenter orderer1.orderer:7050"]
    for node in (0, 2):
        net.material[_tls(node)] = _reissue(net.material[_tls(node)], new_key=True)
    with pytest.raises(ConfigInvalid) as caught:
        net.change("Template: {Count: 2}", "Template: {Count: 2}")
    [issue] = caught.value.issues
    assert "requested changes: add 2 node(s), remove 2 node(s)" in issue.message


def test_capability_upgrade_is_binaries_first_then_capabilities() -> None:
    net = Net(SCENARIOS["etcdraft-2.5"])
    net.tree[".fabgitops/state.json"] = b'{"fabric": "2.5"}'
    # The compile that changes the binaries keeps the channel's capabilities.
    net.change('FabricVersion: "2.5"', 'FabricVersion: "3.1"')
    assert net.updates() == []
    # The next one (the state now records 3.1) upgrades them.
    net.tree[".fabgitops/state.json"] = b'{"fabric": "3.1"}'
    net.change('FabricVersion: "3.1"', 'FabricVersion: "3.1"')
    [path] = [p for p in net.updates() if p.endswith(".tx")]
    assert path.endswith("0001-capabilities.tx")
    update, _ = net.update(path)
    assert _versions(update.write_set) == {"[Group]  /Channel": (0, ""),
                                           "[Value]  /Channel/Capabilities": (1, "Admins")}
    # /Channel/Admins is MAJORITY of {Orderer, Application} Admins: both, each by majority.
    assert sorted(net.signer_msps(path)) == ["OrdererOrgMSP", "Org1MSP", "Org2-MSP.example"]
    readable = yamlio.load_plain(net.tree[path[:-3] + ".yaml"].decode())
    assert readable["changes"] == ["Channel/Capabilities: {capabilities: {V2_0: {}}} -> "
                                   "{capabilities: {V3_0: {}}}"]


def test_capability_the_binaries_do_not_support_is_refused() -> None:
    net = Net(SCENARIOS["etcdraft-3.1"])
    net.tree[".fabgitops/state.json"] = b'{"fabric": "3.1"}'
    with pytest.raises(ConfigInvalid) as caught:
        net.change('FabricVersion: "3.1"', 'FabricVersion: "2.5"')
    [issue] = caught.value.issues
    assert issue.path == ("Channels", 0)
    assert ("the channel requires Channel capability V3_0, which Fabric 2.5 binaries do not "
            "support") in issue.message


def test_majority_of_three_orgs_is_two_signatures() -> None:
    three = BASE.replace("Channels:", ORG3).replace("Organizations: [Org1, Org2]",
                                                    "Organizations: [Org1, Org2, Org3]")
    net = Net(three)
    net.change("  - Name: Org3\n", "  - Name: Org4\n    Domain: org4\n    Template: {Count: 1}\n"
               "  - Name: Org3\n")
    net.change("Organizations: [Org1, Org2, Org3]", "Organizations: [Org1, Org2, Org3, Org4]")
    path = "channels/mychannel/updates/0001-add-org4.tx"
    # MAJORITY Admins of three orgs = 3 // 2 + 1 = 2 admins, the first two in config order.
    assert net.signer_msps(path) == ["Org1MSP", "Org2-MSP.example"]
    readable = yamlio.load_plain(net.tree[path[:-3] + ".yaml"].decode())
    assert [s["satisfies"] for s in readable["signers"]] == [["/Channel/Application/Admins"]] * 2
