"""The orderer's rules for consenter and org changes, checked before an update is written.

- etcdraft consenters are matched by their exact ``client_tls_cert`` bytes; one update may add
  one, remove one, or both (a rotation); more is refused with Fabric's text
  (orderer/consensus/etcdraft/membership.go ComputeMembershipChanges);
- the quorum rule of ``MembershipChanges.UnacceptableQuorumLoss``, evaluated with every current
  consenter alive (the compiler cannot see the cluster; the apply Job meets the live check);
- BFT (``Orderers`` value) is held to the same one-at-a-time rule, as the Fabric docs require
  (bft_configuration.md), although the orderer has no code check for it;
- an org's MSP ID never changes in place (common/channelconfig/bundle.go).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fabgitops.channel._pb import (
    Proto,
    configtx,
    configuration,
    etcdraft,
    msp_config,
    orderer,
    serialize,
)

_ORDERER = "Orderer"


def check(base: Proto, target: Proto) -> str | None:
    """Why the orderer would refuse going from config ``base`` to ``target``, or None."""
    return _msp_ids(base.channel_group, target.channel_group) or _members(base, target)


def _members(base: Proto, target: Proto) -> str | None:
    old, new = _consenters(base), _consenters(target)
    if old is None or new is None:
        return None
    added = [c for c in new if c not in old]
    removed = [c for c in old if c not in new]
    if len(added) > 1 or len(removed) > 1:
        return ("update of more than one consenter at a time is not supported, requested "
                f"changes: add {len(added)} node(s), remove {len(removed)} node(s); change one "
                "orderer per compile (each compile writes one update)")
    if not new:
        return "etcdraft configuration did not specify any consenter"
    if quorum_lost(len(old), len(new), added=bool(added), removed=bool(removed),
                   active=len(old)):
        return (f"{len(old)} out of {len(old)} nodes are alive, configuration will result in "
                "quorum loss")
    return None


def quorum_lost(old: int, new: int, *, added: bool, removed: bool, active: int) -> bool:
    """membership.go UnacceptableQuorumLoss for ``active`` live nodes of ``old`` consenters."""
    tolerant = new > 2  # a cluster of 1 or 2 cannot tolerate a fault: the loss is inevitable
    quorum = new // 2 + 1
    if added and removed:  # rotation: the rotated node restarts
        return tolerant and active - 1 < quorum
    if added:
        return tolerant and active < quorum
    if removed:
        return active - 1 < quorum
    return False


def _consenters(config: Proto) -> list[bytes] | None:
    group = config.channel_group.groups.get(_ORDERER)
    if group is None or "ConsensusType" not in group.values:
        return None
    consensus = orderer.ConsensusType.FromString(group.values["ConsensusType"].value)
    if consensus.type == "etcdraft":
        meta = etcdraft.ConfigMetadata.FromString(consensus.metadata)
        return [bytes(c.client_tls_cert) for c in meta.consenters]
    if consensus.type == "BFT" and "Orderers" in group.values:
        mapping = configuration.Orderers.FromString(group.values["Orderers"].value)
        return [c.SerializeToString(deterministic=True) for c in mapping.consenter_mapping]
    return None


def _msp_ids(base: Proto, target: Proto) -> str | None:
    for section in ("Application", _ORDERER):
        old, new = base.groups.get(section), target.groups.get(section)
        if old is None or new is None:
            continue
        for name, org in new.groups.items():
            if name in old.groups:
                before, after = _msp_name(old.groups[name]), _msp_name(org)
                if before != after:
                    return (f"{section.lower()} org {name} attempted to change MSP ID from "
                            f"{before} to {after}")
    return None


def _msp_name(group: Proto) -> str | None:
    if "MSP" not in group.values:
        return None
    mspconf = msp_config.MSPConfig.FromString(group.values["MSP"].value)
    return str(msp_config.FabricMSPConfig.FromString(mspconf.config).name)


def keep_renewed(base: Proto, desired: Proto) -> Proto:
    """``desired`` with each etcdraft consenter certificate that was only renewed (same node,
    same public key) replaced by the one the channel already has.

    Raft authenticates consenters by public key, so a renewal needs no config update (Fabric's
    raft_configuration.md: "In case the public key of the TLS certificate remains the same,
    there is no need to issue channel configuration updates"); writing the new bytes would be a
    rotation of every renewed node at once, which the orderer refuses. A new key is a rotation.
    """
    old_group, new_group = base.groups.get(_ORDERER), desired.groups.get(_ORDERER)
    if old_group is None or new_group is None or "ConsensusType" not in new_group.values \
            or "ConsensusType" not in old_group.values:
        return desired
    old_type = orderer.ConsensusType.FromString(old_group.values["ConsensusType"].value)
    new_type = orderer.ConsensusType.FromString(new_group.values["ConsensusType"].value)
    if old_type.type != "etcdraft" or new_type.type != "etcdraft":
        return desired
    old_meta = etcdraft.ConfigMetadata.FromString(old_type.metadata)
    new_meta = etcdraft.ConfigMetadata.FromString(new_type.metadata)
    known = {(c.host, c.port): c for c in old_meta.consenters}
    changed = False
    for consenter in new_meta.consenters:
        old = known.get((consenter.host, consenter.port))
        if old is None:
            continue
        for field in ("client_tls_cert", "server_tls_cert"):
            mine, theirs = getattr(consenter, field), getattr(old, field)
            if mine != theirs and _public_key(mine) == _public_key(theirs) is not None:
                setattr(consenter, field, theirs)
                changed = True
    if not changed:
        return desired
    out = configtx.ConfigGroup()
    out.CopyFrom(desired)
    new_type.metadata = serialize(new_meta)
    out.groups[_ORDERER].values["ConsensusType"].value = serialize(new_type)
    return out


def _public_key(pem: bytes) -> bytes | None:
    try:
        key = x509.load_pem_x509_certificate(pem).public_key()
    except ValueError:
        return None
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)
