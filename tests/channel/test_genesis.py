"""Application channel genesis blocks (channel participation): etcdraft 2.5/3.1 and BFT 3.1.

Each test decodes the produced block and compares the whole config tree with the expectation
written from Fabric's sources (``expected``), then checks the block framing.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from fabgitops.channel import build_artifacts, genesis_block_path, inspect
from fabgitops.channel._pb import common, configtx, configuration, etcdraft, orderer
from fabgitops.plan import Plan

from . import expected as x
from .conftest import NOW_JSON, clock, counter_rng, make_plan
from .material import plan_material

Network = tuple[Plan, dict[str, bytes]]

SMARTBFT_DEFAULTS = {
    "collect_timeout": "1s", "decisions_per_leader": "0", "incoming_message_buffer_size": "200",
    "leader_heartbeat_count": "10", "leader_heartbeat_timeout": "1m0s",
    "leader_rotation": "ROTATION_UNSPECIFIED", "request_auto_remove_timeout": "3m0s",
    "request_batch_max_bytes": "10485760", "request_batch_max_count": "100",
    "request_batch_max_interval": "50ms", "request_complain_timeout": "20s",
    "request_forward_timeout": "2s", "request_max_bytes": "0", "request_pool_size": "400",
    "speed_up_view_change": False, "sync_on_start": False, "view_change_resend_interval": "5s",
    "view_change_timeout": "20s",
}


def _block(network: Network, channel: str) -> bytes:
    plan, material = network
    return build_artifacts(plan, material, {}, clock=clock, rng=counter_rng()).files()[
        genesis_block_path(channel)]


def _config(block: bytes) -> Any:
    return inspect(block)["data"]["data"][0]["payload"]["data"]["config"]


def _channel(plan: Plan, material: dict[str, bytes], channel: str, capability: str,
             orderer_group: Any) -> Any:
    return {"channel_group": x.group(
        groups={"Application": x.application(material, plan, channel), "Orderer": orderer_group},
        values={"HashingAlgorithm": x.value({"name": "SHA256"}),
                "BlockDataHashingStructure": x.value({"width": 4294967295}),
                "Capabilities": x.capabilities(capability)},
        policies=x.standard_policies()), "sequence": "0"}


def _orderer_group(plan: Plan, material: dict[str, bytes], values: dict[str, Any],
                   block_validation: Any | None = None) -> Any:
    return x.group(
        groups={o.name: x.orderer_org(material, o) for o in plan.orderer_orgs}, values=values,
        policies={**x.standard_policies(),
                  "BlockValidation": block_validation or x.implicit("ANY", "Writers")})


def test_etcdraft_2_5(networks: dict[str, Network]) -> None:
    plan, material = networks["etcdraft-2.5"]
    values = x.orderer_values(plan, x.raft_consensus(material, plan), timeout="1m30s")
    want = _channel(plan, material, "mychannel", "V2_0", _orderer_group(plan, material, values))
    assert _config(_block(networks["etcdraft-2.5"], "mychannel")) == want


def test_etcdraft_3_1(networks: dict[str, Network]) -> None:
    plan, material = networks["etcdraft-3.1"]
    consensus = x.raft_consensus(material, plan, {"tick_interval": "250ms",
                                                  "snapshot_interval_size": 2**20})
    values = x.orderer_values(plan, consensus, count=10, absolute=99 * 2**20,
                              preferred=512 * 2**10)
    want = _channel(plan, material, "one", "V3_0", _orderer_group(plan, material, values))
    assert _config(_block(networks["etcdraft-3.1"], "one")) == want


def _bft_orderer_values(plan: Plan, material: dict[str, bytes],
                        smartbft: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    mapping, identities = [], []
    for i, (org, node) in enumerate(plan.orderers(), start=1):
        cn = node.identity.common_name
        tls = x.b64(x.tls_cert(material, org, cn))
        signcert = x.b64(material[f"{org.crypto_dir}/orderers/{cn}/msp/signcerts/{cn}-cert.pem"])
        mapping.append({"client_tls_cert": tls, "host": f"{node.hostname}.{org.namespace}",
                        "id": i, "identity": signcert, "msp_id": org.msp_id, "port": 7050,
                        "server_tls_cert": tls})
        identities.append({"principal": {"id_bytes": signcert, "mspid": org.msp_id},
                           "principal_classification": "IDENTITY"})
    values = x.orderer_values(plan, {"type": "BFT", "metadata": smartbft})
    values["Orderers"] = x.value({"consenter_mapping": mapping})
    # common/policies/bft.go: 4 consenters, f = 1, quorum 3, signed by their identities.
    return values, x.signature(x.bft_quorum(len(mapping)), identities)


def test_bft_3_1(networks: dict[str, Network]) -> None:
    plan, material = networks["bft-3.1"]
    values, validation = _bft_orderer_values(plan, material, SMARTBFT_DEFAULTS)
    assert x.bft_quorum(4) == 3
    want = _channel(plan, material, "mychannel", "V3_0",
                    _orderer_group(plan, material, values, validation))
    assert _config(_block(networks["bft-3.1"], "mychannel")) == want


def test_bft_unset_smartbft_fields_take_configtxgen_defaults() -> None:
    from .conftest import SCENARIOS

    text = SCENARIOS["bft-3.1"].replace(
        "Consensus: {Type: BFT}",
        "Consensus:\n  Type: BFT\n  SmartBFT: {RequestBatchMaxCount: 50, CollectTimeout: 3s, "
        "LeaderRotation: ROTATION_ON, DecisionsPerLeader: 7}")
    plan = make_plan(text)
    network = (plan, plan_material(plan))
    options = _config(_block(network, "one"))["channel_group"]["groups"]["Orderer"]["values"][
        "ConsensusType"]["value"]["metadata"]
    assert options == {**SMARTBFT_DEFAULTS, "request_batch_max_count": "50",
                       "collect_timeout": "3s", "leader_rotation": "ROTATION_ON",
                       "decisions_per_leader": "7"}


@pytest.mark.parametrize("scenario", ["etcdraft-2.5", "etcdraft-3.1"])
def test_raft_consenter_certificates_are_the_tls_files(networks: dict[str, Network],
                                                       scenario: str) -> None:
    plan, material = networks[scenario]
    group = _channel_group(_block(networks[scenario], "mychannel"))
    consensus = orderer.ConsensusType.FromString(
        group.groups["Orderer"].values["ConsensusType"].value)
    metadata = etcdraft.ConfigMetadata.FromString(consensus.metadata)
    want = [x.tls_cert(material, org, n.identity.common_name) for org, n in plan.orderers()]
    assert [c.server_tls_cert for c in metadata.consenters] == want
    assert [c.client_tls_cert for c in metadata.consenters] == want
    assert [(c.host, c.port) for c in metadata.consenters] == [
        (n.address.host, n.address.port) for _, n in plan.orderers()]


def test_bft_consenter_certificates_are_the_tls_and_sign_files(
        networks: dict[str, Network]) -> None:
    plan, material = networks["bft-3.1"]
    group = _channel_group(_block(networks["bft-3.1"], "mychannel"))
    consenters = configuration.Orderers.FromString(
        group.groups["Orderer"].values["Orderers"].value).consenter_mapping
    assert len(consenters) == len(list(plan.orderers())) > 0
    for consenter, (org, node) in zip(consenters, plan.orderers(), strict=True):
        cn = node.identity.common_name
        assert consenter.server_tls_cert == consenter.client_tls_cert == \
            material[f"{org.crypto_dir}/orderers/{cn}/tls/server.crt"]
        assert consenter.identity == \
            material[f"{org.crypto_dir}/orderers/{cn}/msp/signcerts/{cn}-cert.pem"]


def _channel_group(block: bytes) -> Any:
    envelope = common.Envelope.FromString(common.Block.FromString(block).data.data[0])
    payload = common.Payload.FromString(envelope.payload)
    return configtx.ConfigEnvelope.FromString(payload.data).config.channel_group


def test_block_framing(networks: dict[str, Network]) -> None:
    block = _block(networks["etcdraft-2.5"], "mychannel")
    decoded = inspect(block)
    raw = common.Block.FromString(block)
    nonce = counter_rng()(24)  # the first nonce the stage asked for
    assert decoded["header"] == {
        "number": "0", "previous_hash": "",
        "data_hash": x.b64(hashlib.sha256(raw.data.data[0]).digest())}
    # [SIGNATURES] = OrdererBlockMetadata{last_config{0}}, [LAST_CONFIG] = LastConfig{0} (empty).
    assert decoded["metadata"] == {"metadata": ["CgIKAA==", "", "", "", ""]}
    envelope = decoded["data"]["data"][0]
    assert envelope["signature"] == ""
    assert envelope["payload"]["header"] == {
        "channel_header": {"channel_id": "mychannel", "epoch": "0", "extension": None,
                           "timestamp": NOW_JSON, "tls_cert_hash": "",
                           "tx_id": hashlib.sha256(nonce).hexdigest(), "type": 1, "version": 1},
        "signature_header": {"creator": None, "nonce": x.b64(nonce)}}
    assert envelope["payload"]["data"]["last_update"] is None
    assert len(raw.data.data) == 1


@pytest.mark.parametrize(("n", "quorum"), [(4, 3), (5, 4), (6, 4), (7, 5), (8, 6), (9, 6),
                                           (10, 7), (11, 8), (12, 8)])
def test_bft_block_validation_quorum(n: int, quorum: int) -> None:
    # The quorum table of Fabric's gateway TestComputeBFTQuorum (same formula as bft.go).
    from fabgitops.channel._pb import identities, msp_principal, policies
    from fabgitops.channel.encoder import _bft_block_validation

    group = configtx.ConfigGroup()
    group.policies["BlockValidation"].mod_policy = "Admins"
    consenters = [configuration.Consenter(id=i + 1, msp_id=f"M{i}", identity=f"id{i}".encode())
                  for i in range(n)]
    _bft_block_validation(consenters, group)
    policy = group.policies["BlockValidation"]
    assert policy.mod_policy == "Admins"
    assert policy.policy.type == policies.Policy.SIGNATURE
    envelope = policies.SignaturePolicyEnvelope.FromString(policy.policy.value)
    assert envelope.rule.n_out_of.n == quorum
    assert [r.signed_by for r in envelope.rule.n_out_of.rules] == list(range(n))
    assert [(p.principal_classification, identities.SerializedIdentity.FromString(p.principal))
            for p in envelope.identities] == [
        (msp_principal.MSPPrincipal.IDENTITY,
         identities.SerializedIdentity(mspid=f"M{i}", id_bytes=f"id{i}".encode()))
        for i in range(n)]
