"""Signatures collected in git: a channel update that needs other parties' admins.

An update whose policies this party cannot satisfy alone is written with the signatures this
party can give (``channels/<ch>/updates/NNNN-<slug>.tx``); every other party adds its admins'
signatures as detached files beside it, ``NNNN-<slug>.signatures/<MSPID>.sig``, each a
serialized ``common.ConfigSignature`` exactly as it would sit in the envelope (signature header
naming the signer, then an ECDSA low-S signature over ``signature_header || config_update``).
A pull request from each party carries its file.

A signature counts only if it verifies over *this* update's ``config_update`` bytes (so one
made for another update never counts), its certificate chains to its MSP's root certificates in
the channel config the update applies to, and it is an admin there (NodeOU ``admin`` or an
explicit admin certificate).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from google.protobuf.message import DecodeError

from fabgitops.channel import authorize, configmap
from fabgitops.channel._pb import Proto, common, configtx, identities, msp_config, serialize
from fabgitops.channel.authorize import ROLE_ADMIN, ROLE_MEMBER, Signer
from fabgitops.channel.envelope import NONCE_SIZE
from fabgitops.channel.history import History, Update, read_history
from fabgitops.channel.signing import KeyedSigner
from fabgitops.errors import Issue, Severity
from fabgitops.notes import Note
from fabgitops.plan import Plan

SIGNATURES_SUFFIX = ".signatures"


def signature_dir(update_path: str) -> str:
    """``.../NNNN-<slug>.signatures``: the detached signatures of an update."""
    return update_path.removesuffix(".tx") + SIGNATURES_SUFFIX


def signature_path(update_path: str, msp_id: str) -> str:
    """The detached signature file of one org's admin."""
    return f"{signature_dir(update_path)}/{msp_id}.sig"


@dataclass(frozen=True)
class Status:
    """What an update needs and what it has."""

    update: str
    requirements: tuple[authorize.Requirement, ...]
    has: tuple[str, ...]
    """MSP IDs with a valid admin signature (in the envelope or detached)."""
    rejected: tuple[tuple[str, str], ...]
    """(file, why) of detached signatures that do not count."""
    satisfied: bool

    needs: tuple[str, ...] = ()
    """Each requirement as people count it: ``2 of Org1MSP, Org2MSP (MAJORITY Admins,
    /Channel/Application/Admins)``."""

    def describe(self) -> str:
        """``...: pending: needs 2 of Org1MSP, Org2MSP (MAJORITY Admins, /Channel/Application/
        Admins); has Org1MSP``."""
        needs = "; ".join(self.needs) or "nothing"
        has = ", ".join(self.has) or "no signature"
        state = "ready" if self.satisfied else "pending"
        return f"{self.update}: {state}: needs {needs}; has {has}"


def _config_update_bytes(envelope: bytes) -> tuple[bytes, list[Proto]]:
    payload = common.Payload.FromString(common.Envelope.FromString(envelope).payload)
    data = configtx.ConfigUpdateEnvelope.FromString(payload.data)
    return bytes(data.config_update), list(data.signatures)


def _msps(group: Proto) -> dict[str, Proto]:
    found: dict[str, Proto] = {}
    if "MSP" in group.values:
        conf = msp_config.MSPConfig.FromString(group.values["MSP"].value)
        fabric = msp_config.FabricMSPConfig.FromString(conf.config)
        found[str(fabric.name)] = fabric
    for sub in group.groups.values():
        found |= _msps(sub)
    return found


def verify(signature: Proto, update_bytes: bytes, msps: Mapping[str, Proto]
           ) -> Signer | str:
    """The signer of a ConfigSignature over ``update_bytes``, or why it does not count."""
    try:
        header = common.SignatureHeader.FromString(signature.signature_header)
        creator = identities.SerializedIdentity.FromString(header.creator)
        cert = x509.load_pem_x509_certificate(bytes(creator.id_bytes))
    except (DecodeError, ValueError):
        return "not a signature of a known identity"
    fabric = msps.get(str(creator.mspid))
    if fabric is None:
        return f"{creator.mspid} is not an MSP of the channel"
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "not an ECDSA identity"
    try:
        key.verify(bytes(signature.signature), bytes(signature.signature_header) + update_bytes,
                   ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "it does not sign this update (a signature over another update never counts)"
    if not any(_issued(cert, bytes(root)) for root in fabric.root_certs):
        return f"the certificate is not issued by {creator.mspid}'s CA"
    admin = bytes(creator.id_bytes) in [bytes(a) for a in fabric.admins] or (
        fabric.fabric_node_ous.enable and _has_ou(cert, "admin"))
    roles = frozenset({ROLE_MEMBER, ROLE_ADMIN}) if admin else frozenset({ROLE_MEMBER})
    name = cert.subject.rfc4514_string()
    return Signer(str(creator.mspid), name, bytes(creator.id_bytes), roles)


def _issued(cert: x509.Certificate, root_pem: bytes) -> bool:
    try:
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(root_pem))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _has_ou(cert: x509.Certificate, ou: str) -> bool:
    values = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)
    return any(v.value == ou for v in values)


def status(update: Update, tree: Mapping[str, bytes]) -> Status:
    """Which policies the update needs and whether its collected signatures satisfy them."""
    update_bytes, embedded = _config_update_bytes(update.envelope)
    msps = _msps(update.base.channel_group)
    signers: list[Signer] = []
    rejected: list[tuple[str, str]] = []
    for signature in embedded:
        found = verify(signature, update_bytes, msps)
        if isinstance(found, Signer):
            signers.append(found)
    prefix = signature_dir(update.path) + "/"
    for path in sorted(p for p in tree if p.startswith(prefix)):
        try:
            detached = configtx.ConfigSignature.FromString(tree[path])
        except DecodeError:
            rejected.append((path, "not a ConfigSignature"))
            continue
        found = verify(detached, update_bytes, msps)
        if isinstance(found, str):
            rejected.append((path, found))
            continue
        if ROLE_ADMIN not in found.roles:
            rejected.append((path, f"{found.name} signed, but is not an admin of "
                                   f"{found.msp_id}"))
        signers.append(found)
    modified = configmap.delta(update.base, update.config_update)
    required = tuple(authorize.requirements(modified, update.base))
    root = update.base.channel_group
    satisfied = all(authorize.evaluate(root, r.policy, signers) for r in required)
    counted = [_count(root, r) for r in required]
    relevant = set().union(*(members for _, members in counted)) if counted else set()
    has = tuple(sorted({s.msp_id for s in signers if ROLE_ADMIN in s.roles
                        and (not relevant or s.msp_id in relevant)}))
    return Status(update.path, required, has, tuple(rejected), satisfied,
                  tuple(text for text, _ in counted))


def _count(root: Proto, requirement: authorize.Requirement) -> tuple[str, set[str]]:
    """An ImplicitMeta requirement as ``k of MSP, MSP (rule, path)`` with its member MSPs; any
    other policy as its rule."""
    parts = requirement.policy.strip("/").split("/")[1:]
    group = root
    for part in parts[:-1]:
        if part not in group.groups:
            return f"{requirement.rule} ({requirement.policy})", set()
        group = group.groups[part]
    words = requirement.rule.split()
    thresholds = {"ANY": 1, "ALL": len(group.groups), "MAJORITY": len(group.groups) // 2 + 1}
    if len(words) != 2 or words[0] not in thresholds or not group.groups:
        return f"{requirement.rule} ({requirement.policy})", set()
    members = {msp for sub in group.groups.values() for msp in _msps(sub)}
    return (f"{thresholds[words[0]]} of {', '.join(sorted(members))} ({requirement.rule}, "
            f"{requirement.policy})", members)


def detached_signature(update: Update, signer: KeyedSigner, rng: Callable[[int], bytes]
                       ) -> bytes:
    """A detached ConfigSignature of ``signer`` over the update."""
    update_bytes, _ = _config_update_bytes(update.envelope)
    header = serialize(common.SignatureHeader(creator=signer.signer.serialized,
                                              nonce=rng(NONCE_SIZE)))
    return serialize(configtx.ConfigSignature(signature_header=header,
                                              signature=signer.sign(header + update_bytes)))


def collected_envelope(update: Update, detached: Sequence[bytes]) -> bytes:
    """The update's envelope with detached signatures added to its ConfigUpdateEnvelope.

    The outer envelope's signature no longer covers the payload: ``peer channel update``
    re-signs it as the submitter (sanityCheckAndSignConfigTx), as it does for every update.
    """
    envelope = common.Envelope.FromString(update.envelope)
    payload = common.Payload.FromString(envelope.payload)
    data = configtx.ConfigUpdateEnvelope.FromString(payload.data)
    for raw in detached:
        data.signatures.append(configtx.ConfigSignature.FromString(raw))
    payload.data = serialize(data)
    return serialize(common.Envelope(payload=serialize(payload), signature=envelope.signature))


def pending_statuses(channels: Sequence[str], tree: Mapping[str, bytes]) -> list[Status]:
    """The status of every update of ``channels`` in an output tree (read with its detached
    signature files)."""
    out = []
    for channel in channels:
        history = read_history(channel, tree)
        if history is not None:
            out += [status(item, tree) for item in history.updates]
    return out


def signature_notes(plan: Plan, tree: Mapping[str, bytes]) -> list[Note]:
    """For a network with other parties' orgs: each channel update's signature state, and
    every detached signature that does not count."""
    if not any(o.external for o in plan.orgs) or plan.consensus.uses_system_channel:
        return []
    notes = []
    for found in pending_statuses([c.name for c in plan.channels], tree):
        if found.satisfied:
            notes.append(Note.info(f"channel update {found.describe()}"))
        else:
            notes.append(Note.warning(
                f"channel update {found.describe()}: the apply Job waits until the other "
                "parties' admins sign it (fabgitops sign, then a pull request with the "
                ".signatures/ file)"))
        notes += [Note.warning(f"{path} does not count: {why}") for path, why in found.rejected]
    return notes


def sign_update(update_path: str, tree: Mapping[str, bytes], signers: Sequence[KeyedSigner],
                rng: Callable[[int], bytes]) -> dict[str, bytes]:
    """The detached signature files this party adds to an update: one per admin of ours that
    is an MSP of the channel and has not signed yet.

    Raises:
        ValueError: ``update_path`` is not an update of a channel history in ``tree``.
    """
    parts = update_path.split("/")
    history = read_history(parts[1], tree) if len(parts) > 1 else None
    update = next((u for u in history.updates if u.path == update_path), None) \
        if history is not None else None
    if update is None:
        raise ValueError(f"{update_path} is not a channel update (channels/<channel>/updates/"
                         "NNNN-<slug>.tx) of this repository")
    msps = _msps(update.base.channel_group)
    signed = set(status(update, tree).has)
    out = {}
    for keyed in signers:
        msp = keyed.signer.msp_id
        path = signature_path(update_path, msp)
        if msp in msps and msp not in signed and path not in tree:
            out[path] = detached_signature(update, keyed, rng)
            signed.add(msp)
    return out


def gate(history: History, files: Mapping[str, bytes], signatures: Mapping[str, bytes], *,
         parties: bool) -> tuple[dict[str, bytes], str | None]:
    """The apply Job's files (``channel_updates.update_files``) cut before the first update
    whose collected signatures do not satisfy its policies, with the ready updates' envelopes
    carrying their detached signatures; and what the first waiting update still needs.

    Without other parties (``parties`` False) this party signs every update itself: the files
    are returned unchanged.
    """
    if not parties:
        return dict(files), None
    out = {"0000.pb": files["0000.pb"]}
    for item in history.updates:
        found = status(item, signatures)
        if not found.satisfied:
            return out, f"waiting for signatures: {found.describe()}"
        key = f"{item.number:04d}"
        prefix = signature_dir(item.path) + "/"
        detached = [c for p, c in sorted(signatures.items()) if p.startswith(prefix)]
        out[f"{key}.pb"] = files[f"{key}.pb"]
        out[f"{key}.tx"] = collected_envelope(item, detached) if detached else files[f"{key}.tx"]
    return out, None


def is_signature(path: str) -> bool:
    """Whether an output path is a detached signature file of a channel update."""
    return path.startswith("channels/") and f"{SIGNATURES_SUFFIX}/" in path \
        and path.endswith(".sig")


def signature_issues(plan: Plan, tree: Mapping[str, bytes]) -> list[Issue]:
    """``validate``'s view of the same state: a warning per pending update and per signature
    that does not count, located at its channel."""
    if not any(o.external for o in plan.orgs) or plan.consensus.uses_system_channel:
        return []
    out = []
    for channel in plan.channels:
        for found in pending_statuses([channel.name], tree):
            if not found.satisfied:
                out.append(channel.source.issue(f"channel update {found.describe()}",
                                                Severity.WARNING))
            out += [channel.source.issue(f"{path} does not count: {why}", Severity.WARNING)
                    for path, why in found.rejected]
    return out
