"""The config each artifact carries, before it is wrapped in a block or an envelope.

- genesis blocks carry a channel group (encoder.NewChannelGroup);
- ``channel.tx`` carries encoder.NewChannelCreateConfigUpdate over DefaultConfigTemplate, which
  is what ``configtxgen -outputCreateChannelTx`` does without ``-channelCreateTxBaseProfile``;
- ``<MSPID>anchors.tx`` carries the update cmd/configtxgen/main.go doOutputAnchorPeersUpdate
  computes: from the channel with the org's AnchorPeers removed (and Application at version 1,
  as after channel creation) to the channel with them.
"""

from __future__ import annotations

from collections.abc import Mapping

from fabgitops.channel import encoder, update
from fabgitops.channel._pb import Proto, configtx, configuration, serialize
from fabgitops.channel.profile import Profile, invalid

APPLICATION = "Application"
CONSORTIUM = "Consortium"
ANCHOR_PEERS = "AnchorPeers"


def genesis_config(profile: Profile, material: Mapping[str, bytes]) -> Proto:
    """The ``common.Config`` of a genesis block (sequence 0, no last_update)."""
    return configtx.Config(sequence=0, channel_group=encoder.channel_group(profile, material))


def channel_create_update(channel_id: str, profile: Profile,
                          material: Mapping[str, bytes]) -> Proto:
    """The ``common.ConfigUpdate`` of a channel creation transaction.

    Raises:
        ProfileRejected: the profile has no Application section or no Consortium (a bug).
    """
    if profile.application is None or not profile.consortium:
        raise invalid("a channel creation profile needs an Application section "
                      "and a Consortium")
    new = encoder.channel_group(profile, material)
    # encoder.go DefaultConfigTemplate: the same group with the Application values and policies
    # removed, so the update writes them (and bumps Application to version 1).
    template = configtx.ConfigGroup()
    template.CopyFrom(new)
    template.groups[APPLICATION].ClearField("values")
    template.groups[APPLICATION].ClearField("policies")
    config_update = update.compute(template, new)
    config_update.channel_id = channel_id
    # NewChannelCreateConfigUpdate: name the consortium in both sets, without a mod_policy.
    config_update.read_set.values[CONSORTIUM].CopyFrom(configtx.ConfigValue(version=0))
    config_update.write_set.values[CONSORTIUM].CopyFrom(configtx.ConfigValue(
        version=0, value=serialize(configuration.Consortium(name=profile.consortium))))
    return config_update


def anchor_peers_update(channel_id: str, profile: Profile, org_name: str,
                        material: Mapping[str, bytes]) -> Proto:
    """The ``common.ConfigUpdate`` that adds the anchor peers of ``org_name`` (by group key).

    Raises:
        ProfileRejected: the org is not in the channel or has no anchor peers (a bug).
    """
    if profile.application is None:
        raise invalid("cannot update anchor peers without an application section")
    original = encoder.channel_group(profile, material)
    original.groups[APPLICATION].version = 1
    updated = configtx.ConfigGroup()
    updated.CopyFrom(original)
    orgs = original.groups[APPLICATION].groups
    if org_name not in orgs:
        raise invalid(f"org with name {org_name!r} does not exist in config")
    if ANCHOR_PEERS not in orgs[org_name].values:
        raise invalid(f"org {org_name!r} does not have any anchor peers defined")
    del orgs[org_name].values[ANCHOR_PEERS]
    config_update = update.compute(original, updated)
    config_update.channel_id = channel_id
    return config_update
