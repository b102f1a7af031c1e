"""The channel config tree (``common.ConfigGroup``), a port of configtxgen's encoder.

Every function mirrors one in internal/configtxgen/encoder/encoder.go (v2.5.16 and v3.1.5): the
same groups, values, policies and mod_policies, all at version 0 as in any genesis config. Value
payloads are the messages of common/channelconfig/util.go.
"""

from __future__ import annotations

from collections.abc import Mapping

from fabgitops.channel import msp
from fabgitops.channel._pb import (
    Proto,
    configtx,
    configuration,
    etcdraft,
    identities,
    msp_principal,
    orderer,
    peer,
    policies,
    serialize,
    smartbft,
)
from fabgitops.channel.policy import PolicyRuleError, encode_policy
from fabgitops.channel.profile import (
    ApplicationProfile,
    OrdererProfile,
    OrgProfile,
    Profile,
    invalid,
)
from fabgitops.model import Policy

ADMINS = "Admins"
ORDERER_ADMINS = "/Channel/Orderer/Admins"  # encoder.go ordererAdminsPolicyName
BLOCK_VALIDATION = "BlockValidation"
# channelconfig/util.go defaultHashingAlgorithm and defaultBlockDataHashingStructureWidth.
HASHING_ALGORITHM = "SHA256"
BLOCK_DATA_HASHING_WIDTH = 2**32 - 1
V3_0 = "V3_0"


def _add_value(group: Proto, key: str, value: Proto, mod_policy: str = ADMINS) -> None:
    group.values[key].CopyFrom(configtx.ConfigValue(value=serialize(value), mod_policy=mod_policy))


def _add_policies(group: Proto, policy_map: Mapping[str, Policy], where: str) -> None:
    # encoder.go AddPolicies: Admins, Readers and Writers are mandatory in every group.
    for required in ("Admins", "Readers", "Writers"):
        if required not in policy_map:
            raise invalid(f"{where}: no {required} policy defined")
    for name, policy in policy_map.items():
        try:
            encoded = encode_policy(policy)
        except PolicyRuleError as exc:
            raise invalid(f"{where}: invalid {policy.type.value} policy rule "
                          f"{policy.rule!r}: {exc}") from None
        group.policies[name].CopyFrom(configtx.ConfigPolicy(policy=encoded, mod_policy=ADMINS))


def _capabilities(names: tuple[str, ...]) -> Proto:
    # util.go CapabilitiesValue: only capabilities set to true are written, as empty messages.
    value = configuration.Capabilities()
    for name in names:
        value.capabilities[name].SetInParent()
    return value


def channel_group(profile: Profile, material: Mapping[str, bytes]) -> Proto:
    """The /Channel group (encoder.go NewChannelGroup)."""
    group = configtx.ConfigGroup()
    _add_policies(group, profile.policies, "channel group")
    _add_value(group, "HashingAlgorithm", configuration.HashingAlgorithm(name=HASHING_ALGORITHM))
    _add_value(group, "BlockDataHashingStructure",
               configuration.BlockDataHashingStructure(width=BLOCK_DATA_HASHING_WIDTH))
    # No OrdererAddresses: the deprecated Orderer.Addresses is never set (org Endpoints replace
    # it, and V3_0 forbids it).
    if profile.consortium:
        _add_value(group, "Consortium", configuration.Consortium(name=profile.consortium))
    if profile.capabilities:
        _add_value(group, "Capabilities", _capabilities(profile.capabilities))
    if profile.orderer is not None:
        group.groups["Orderer"].CopyFrom(
            orderer_group(profile.orderer, profile.capabilities, material))
    if profile.application is not None:
        group.groups["Application"].CopyFrom(application_group(profile.application, material))
    if profile.consortiums is not None:
        group.groups["Consortiums"].CopyFrom(consortiums_group(profile.consortiums, material))
    group.mod_policy = ADMINS
    return group


def orderer_group(conf: OrdererProfile, channel_capabilities: tuple[str, ...],
                  material: Mapping[str, bytes]) -> Proto:
    """The /Channel/Orderer group (encoder.go NewOrdererGroup)."""
    if conf.orderer_type == "BFT" and V3_0 not in channel_capabilities:
        raise invalid("orderer type BFT must be used with V3_0 channel "
                      "capability (Fabric 3.x)")
    group = configtx.ConfigGroup()
    # encoder.go AddOrdererPolicies: BlockValidation is mandatory too.
    if BLOCK_VALIDATION not in conf.policies:
        raise invalid("orderer group: no BlockValidation policy defined")
    _add_policies(group, conf.policies, "orderer group")
    _add_value(group, "BatchSize", orderer.BatchSize(
        max_message_count=conf.max_message_count, absolute_max_bytes=conf.absolute_max_bytes,
        preferred_max_bytes=conf.preferred_max_bytes))
    _add_value(group, "BatchTimeout", orderer.BatchTimeout(timeout=conf.batch_timeout))
    _add_value(group, "ChannelRestrictions",
               orderer.ChannelRestrictions(max_count=conf.max_channels))
    if conf.capabilities:
        _add_value(group, "Capabilities", _capabilities(conf.capabilities))
    metadata = b""
    if conf.orderer_type == "kafka":
        _add_value(group, "KafkaBrokers", orderer.KafkaBrokers(brokers=conf.kafka_brokers))
    elif conf.orderer_type == "etcdraft":
        metadata = serialize(_etcdraft_metadata(conf))
    elif conf.orderer_type == "BFT":
        consenters = [configuration.Consenter(
            id=i, host=c.host, port=c.port, msp_id=c.msp_id, identity=c.identity,
            client_tls_cert=c.client_tls_cert, server_tls_cert=c.server_tls_cert)
            for i, c in enumerate(conf.consenters, start=1)]
        _add_value(group, "Orderers", configuration.Orderers(consenter_mapping=consenters))
        metadata = serialize(_smartbft_options(conf.smartbft_options))
        _bft_block_validation(consenters, group)
    elif conf.orderer_type != "solo":
        raise invalid(f"unknown orderer type: {conf.orderer_type}")
    _add_value(group, "ConsensusType", orderer.ConsensusType(type=conf.orderer_type,
                                                             metadata=metadata))
    for org in conf.organizations:
        group.groups[org.name].CopyFrom(orderer_org_group(org, channel_capabilities, material))
    group.mod_policy = ADMINS
    return group


def _etcdraft_metadata(conf: OrdererProfile) -> Proto:
    # util.go MarshalEtcdRaftMetadata: the certificates are the raw PEM file bytes.
    if not conf.consenters:
        raise invalid("etcdraft configuration did not specify any consenter")
    options = conf.etcdraft_options
    if int(options["election_tick"]) <= int(options["heartbeat_tick"]):
        raise invalid("election tick must be greater than heartbeat tick")
    return etcdraft.ConfigMetadata(
        consenters=[etcdraft.Consenter(host=c.host, port=c.port, client_tls_cert=c.client_tls_cert,
                                       server_tls_cert=c.server_tls_cert)
                    for c in conf.consenters],
        options=etcdraft.Options(**options))


def _smartbft_options(options: Mapping[str, int | str | bool]) -> Proto:
    values = dict(options)
    rotation = values.pop("leader_rotation", None)
    message = smartbft.Options(**values)
    if rotation is not None:
        message.leader_rotation = smartbft.Options.Rotation.Value(str(rotation))
    return message


def _bft_block_validation(consenters: list[Proto], group: Proto) -> None:
    # common/policies/bft.go EncodeBFTBlockVerificationPolicy: BlockValidation becomes a quorum
    # of the consenters' identities, keeping the mod_policy of the configured policy.
    n = len(consenters)
    f = (n - 1) // 3
    quorum = (n + f + 2) // 2  # ComputeBFTQuorum: ceil((n + f + 1) / 2)
    envelope = policies.SignaturePolicyEnvelope(version=0)
    envelope.rule.n_out_of.n = quorum
    for i, consenter in enumerate(consenters):
        envelope.rule.n_out_of.rules.add(signed_by=i)
        envelope.identities.add(
            principal_classification=msp_principal.MSPPrincipal.IDENTITY,
            principal=serialize(identities.SerializedIdentity(mspid=consenter.msp_id,
                                                              id_bytes=consenter.identity)))
    group.policies[BLOCK_VALIDATION].CopyFrom(configtx.ConfigPolicy(
        mod_policy=group.policies[BLOCK_VALIDATION].mod_policy,
        policy=policies.Policy(type=policies.Policy.SIGNATURE, value=serialize(envelope))))


def orderer_org_group(org: OrgProfile, channel_capabilities: tuple[str, ...],
                      material: Mapping[str, bytes]) -> Proto:
    """An orderer org group: policies, MSP and Endpoints (encoder.go NewOrdererOrgGroup)."""
    group = configtx.ConfigGroup(mod_policy=ADMINS)
    mspconf = msp.msp_config_value(material, org.msp_dir, org.msp_id)
    _add_policies(group, org.policies, f"orderer org {org.name}")
    _add_value(group, "MSP", mspconf)
    if org.orderer_endpoints:
        _add_value(group, "Endpoints", configuration.OrdererAddresses(
            addresses=org.orderer_endpoints))
    elif V3_0 in channel_capabilities:
        raise invalid(f"orderer endpoints for organization {org.name} are "
                      "missing and must be configured when capability V3_0 is enabled")
    return group


def application_group(conf: ApplicationProfile, material: Mapping[str, bytes]) -> Proto:
    """The /Channel/Application group (encoder.go NewApplicationGroup)."""
    group = configtx.ConfigGroup()
    _add_policies(group, conf.policies, "application group")
    if conf.acls:
        acls = peer.ACLs()
        for resource, policy_ref in conf.acls.items():
            acls.acls[resource].policy_ref = policy_ref
        _add_value(group, "ACLs", acls)
    if conf.capabilities:
        _add_value(group, "Capabilities", _capabilities(conf.capabilities))
    for org in conf.organizations:
        group.groups[org.name].CopyFrom(application_org_group(org, material))
    group.mod_policy = ADMINS
    return group


def application_org_group(org: OrgProfile, material: Mapping[str, bytes]) -> Proto:
    """An application org: policies, MSP, AnchorPeers if any (NewApplicationOrgGroup)."""
    group = configtx.ConfigGroup(mod_policy=ADMINS)
    mspconf = msp.msp_config_value(material, org.msp_dir, org.msp_id)
    _add_policies(group, org.policies, f"application org {org.name}")
    _add_value(group, "MSP", mspconf)
    if org.anchor_peers:
        _add_value(group, "AnchorPeers", peer.AnchorPeers(
            anchor_peers=[peer.AnchorPeer(host=h, port=p) for h, p in org.anchor_peers]))
    return group


def consortiums_group(consortiums: Mapping[str, tuple[OrgProfile, ...]],
                      material: Mapping[str, bytes]) -> Proto:
    """The /Channel/Consortiums group of a system channel (NewConsortiumsGroup)."""
    group = configtx.ConfigGroup()
    # policydsl.AcceptAllPolicy: NOutOf(0) over no identities; only referenced by the channel's
    # implicit meta policies, so control stays with the orderer admins.
    accept_all = policies.SignaturePolicyEnvelope(version=0)
    accept_all.rule.n_out_of.SetInParent()
    group.policies[ADMINS].CopyFrom(configtx.ConfigPolicy(
        policy=policies.Policy(type=policies.Policy.SIGNATURE, value=serialize(accept_all)),
        mod_policy=ORDERER_ADMINS))
    for name, orgs in consortiums.items():
        group.groups[name].CopyFrom(consortium_group(orgs, material))
    group.mod_policy = ORDERER_ADMINS
    return group


def consortium_group(orgs: tuple[OrgProfile, ...], material: Mapping[str, bytes]) -> Proto:
    """One consortium: its member orgs and ChannelCreationPolicy (NewConsortiumGroup)."""
    group = configtx.ConfigGroup()
    for org in orgs:
        member = configtx.ConfigGroup(mod_policy=ADMINS)
        mspconf = msp.msp_config_value(material, org.msp_dir, org.msp_id)
        _add_policies(member, org.policies, f"consortium org {org.name}")
        _add_value(member, "MSP", mspconf)
        group.groups[org.name].CopyFrom(member)
    creation = policies.Policy(type=policies.Policy.IMPLICIT_META, value=serialize(
        policies.ImplicitMetaPolicy(sub_policy=ADMINS, rule=policies.ImplicitMetaPolicy.ANY)))
    _add_value(group, "ChannelCreationPolicy", creation, ORDERER_ADMINS)
    group.mod_policy = ORDERER_ADMINS
    return group
