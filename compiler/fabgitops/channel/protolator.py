"""Blocks and envelopes as JSON, the way ``configtxlator proto_decode`` / ``proto_encode`` do it.

configtxlator uses fabric-config's protolator (v0.3.0 in Fabric 3.1.5): a message becomes
protojson (proto field names, int64 as strings, enums by name, every unset field written: ``null``
for messages, ``""``/``0``/``[]``/``{}`` for the rest), except that bytes fields which hold
another message are replaced by that message, decoded by type (protolator/protoext):

- statically: Envelope.payload, Header.channel_header/signature_header, SignatureHeader.creator,
  BlockData.data[], ConfigUpdateEnvelope.config_update, ConfigSignature.signature_header;
- by a sibling field: Payload.data (channel header type), Policy.value (policy type),
  MSPConfig.config (MSP type), MSPPrincipal.principal (classification), ConsensusType.metadata
  (consensus type);
- by position in the config tree: ConfigValue.value by its key and group (commonext
  configuration.go, ordererext, peerext).

An empty embedded message is ``null``. Where configtxlator would fail (an unknown config value
key, say) the bytes stay base64 instead. ``encode`` is the inverse and re-serializes embedded
messages deterministically, so decoding and re-encoding our artifacts gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import descriptor_pool, empty_pb2, message_factory
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError

from fabgitops.channel._pb import (
    common,
    configtx,
    configuration,
    etcdraft,
    identities,
    msp_config,
    msp_principal,
    orderer,
    peer,
    policies,
    serialize,
    smartbft,
)
from fabgitops.errors import EnvironmentProblem

Json = Any
_Ctx = str | None
"""Where a ConfigGroup or ConfigValue sits: 'channel', 'orderer', 'application/MSP', ..."""

_INT64 = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64,
          FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64}
_FLOAT = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}

# commonext/configuration.go DynamicChannelGroup, ordererext, peerext: the group kind of each
# sub-group, and ("*" = any key).
_GROUP_CHILD: Mapping[str, Mapping[str, str]] = {
    "channel": {"Orderer": "orderer", "Application": "application", "Consortiums": "consortiums"},
    "orderer": {"*": "orderer_org"},
    "application": {"*": "application_org"},
    "consortiums": {"*": "consortium"},
    "consortium": {"*": "consortium_org"},
}
_VALUE_TYPES: Mapping[str, Any] = {
    "channel/HashingAlgorithm": configuration.HashingAlgorithm,
    "channel/BlockDataHashingStructure": configuration.BlockDataHashingStructure,
    "channel/OrdererAddresses": configuration.OrdererAddresses,
    "channel/Consortium": configuration.Consortium,
    "channel/Capabilities": configuration.Capabilities,
    "orderer/ConsensusType": orderer.ConsensusType,
    "orderer/BatchSize": orderer.BatchSize,
    "orderer/BatchTimeout": orderer.BatchTimeout,
    "orderer/KafkaBrokers": orderer.KafkaBrokers,
    "orderer/ChannelRestrictions": orderer.ChannelRestrictions,
    "orderer/Capabilities": configuration.Capabilities,
    "orderer/Orderers": configuration.Orderers,
    "orderer_org/MSP": msp_config.MSPConfig,
    "orderer_org/Endpoints": configuration.OrdererAddresses,
    "application/Capabilities": configuration.Capabilities,
    "application/ACLs": peer.ACLs,
    "application_org/MSP": msp_config.MSPConfig,
    "application_org/AnchorPeers": peer.AnchorPeers,
    "consortium/ChannelCreationPolicy": policies.Policy,
    "consortium_org/MSP": msp_config.MSPConfig,
}
_PAYLOAD_TYPES: Mapping[int, Any] = {
    common.CONFIG: configtx.ConfigEnvelope,
    common.ORDERER_TRANSACTION: common.Envelope,
    common.CONFIG_UPDATE: configtx.ConfigUpdateEnvelope,
    common.MESSAGE: configtx.ConfigValue,
}
_STATIC: Mapping[tuple[str, str], Any] = {
    ("common.Envelope", "payload"): common.Payload,
    ("common.Header", "channel_header"): common.ChannelHeader,
    ("common.Header", "signature_header"): common.SignatureHeader,
    ("common.SignatureHeader", "creator"): identities.SerializedIdentity,
    ("common.BlockData", "data"): common.Envelope,
    ("common.ConfigUpdateEnvelope", "config_update"): configtx.ConfigUpdate,
    ("common.ConfigSignature", "signature_header"): common.SignatureHeader,
}

# Every bytes field protolator treats as opaque: when empty it is ``null``, even where the type of
# its content is unknown (ChannelHeader.extension outside endorser transactions).
_OPAQUE = {*_STATIC, ("common.Payload", "data"), ("common.ChannelHeader", "extension"),
           ("common.Policy", "value"), ("msp.MSPConfig", "config"),
           ("common.MSPPrincipal", "principal"), ("orderer.ConsensusType", "metadata"),
           ("common.ConfigValue", "value")}


class ArtifactDecodeError(EnvironmentProblem):
    """The bytes or the JSON are not a Fabric message of the expected type."""


def _embedded(msg: Any, field: str, ctx: _Ctx) -> Any:
    """The message class held in bytes field ``field`` of ``msg``, or None for plain bytes."""
    name = msg.DESCRIPTOR.full_name
    static = _STATIC.get((name, field))
    if static is not None:
        return static
    if name == "common.Payload" and field == "data":
        if not msg.HasField("header"):
            return None
        header = common.ChannelHeader.FromString(msg.header.channel_header)
        return _PAYLOAD_TYPES.get(header.type)
    if name == "common.Policy" and field == "value":
        return {policies.Policy.SIGNATURE: policies.SignaturePolicyEnvelope,
                policies.Policy.IMPLICIT_META: policies.ImplicitMetaPolicy}.get(msg.type)
    if name == "msp.MSPConfig" and field == "config":
        return {0: msp_config.FabricMSPConfig, 1: msp_config.IdemixMSPConfig}.get(msg.type)
    if name == "common.MSPPrincipal" and field == "principal":
        return {msp_principal.MSPPrincipal.ROLE: msp_principal.MSPRole,
                msp_principal.MSPPrincipal.ORGANIZATION_UNIT: msp_principal.OrganizationUnit,
                msp_principal.MSPPrincipal.IDENTITY: identities.SerializedIdentity,
                }.get(msg.principal_classification)
    if name == "orderer.ConsensusType" and field == "metadata":
        return {"etcdraft": etcdraft.ConfigMetadata, "BFT": smartbft.Options}.get(
            msg.type, empty_pb2.Empty)
    if name == "common.ConfigValue" and field == "value" and ctx:
        return _VALUE_TYPES.get(ctx)
    return None


def _child_ctx(msg: Any, field: str, key: str, ctx: _Ctx) -> _Ctx:
    name = msg.DESCRIPTOR.full_name
    if (name, field) in (("common.Config", "channel_group"), ("common.ConfigUpdate", "read_set"),
                         ("common.ConfigUpdate", "write_set")):
        return "channel"
    if name == "common.ConfigGroup" and ctx:
        if field == "values":
            return f"{ctx}/{key}"
        if field == "groups":
            children = _GROUP_CHILD.get(ctx, {})
            return children.get(key, children.get("*"))
    return None


def _is_map(field: Any) -> bool:
    return bool(field.message_type is not None and field.message_type.GetOptions().map_entry)


def _is_repeated(field: Any) -> bool:
    # protobuf 5 has ``label``; later releases replace it with ``is_repeated``.
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == FieldDescriptor.LABEL_REPEATED)


def to_tree(msg: Any, ctx: _Ctx = None) -> dict[str, Json]:
    """A message as protolator's JSON tree; ``ctx`` places a ConfigGroup/ConfigValue."""
    out: dict[str, Json] = {}
    for field in msg.DESCRIPTOR.fields:
        name = field.name
        if field.containing_oneof is not None and not msg.HasField(name):
            continue
        value = getattr(msg, name)
        if _is_map(field):
            value_field = field.message_type.fields_by_name["value"]
            out[name] = {str(k): _scalar_or_message(value_field, v, _child_ctx(msg, name, str(k),
                                                                               ctx))
                         for k, v in value.items()}
        elif _is_repeated(field):
            kind = _embedded(msg, name, ctx) if field.type == FieldDescriptor.TYPE_BYTES else None
            out[name] = [_decode_bytes(kind, v, ctx, null_if_empty=False) if kind
                         else _scalar_or_message(field, v, None) for v in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            out[name] = (_scalar_or_message(field, value, _child_ctx(msg, name, "", ctx))
                         if msg.HasField(name) else None)
        elif field.type == FieldDescriptor.TYPE_BYTES and (
                (msg.DESCRIPTOR.full_name, name) in _OPAQUE):
            out[name] = _decode_bytes(_embedded(msg, name, ctx), value, ctx, null_if_empty=True)
        else:
            out[name] = _scalar_or_message(field, value, None)
    return out


def _decode_bytes(kind: Any, data: bytes, ctx: _Ctx, *, null_if_empty: bool) -> Json:
    if null_if_empty and not data:
        return None
    if kind is None:
        return base64.b64encode(data).decode()
    try:
        return to_tree(kind.FromString(data), ctx)
    except DecodeError:
        return base64.b64encode(data).decode()


def _scalar_or_message(field: Any, value: Any, ctx: _Ctx) -> Json:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return _timestamp(value.seconds, value.nanos)
        return to_tree(value, ctx)
    if field.type in _INT64:
        return str(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    if field.type == FieldDescriptor.TYPE_ENUM:
        number = field.enum_type.values_by_number.get(value)
        return number.name if number is not None else value
    if field.type in _FLOAT and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def _timestamp(seconds: int, nanos: int) -> str:
    # protojson: RFC 3339 in UTC, with 0, 3, 6 or 9 fractional digits.
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        digits = f"{nanos:09d}"
        while digits.endswith("000"):
            digits = digits[:-3]
        text += "." + digits
    return text + "Z"


def from_tree(tree: Mapping[str, Json], msg: Any, ctx: _Ctx = None) -> Any:
    """Fill ``msg`` from a protolator JSON tree and return it.

    Plain fields first, embedded ones second: an embedded field's type may depend on a plain
    sibling (the policy type, the channel header inside the payload header).
    """
    fields = msg.DESCRIPTOR.fields_by_name
    unknown = set(tree) - set(fields)
    if unknown:
        raise ArtifactDecodeError(f"{msg.DESCRIPTOR.full_name} has no field {sorted(unknown)[0]!r}")
    deferred = []
    for name, value in tree.items():
        field = fields[name]
        if value is None:
            continue
        if field.type == FieldDescriptor.TYPE_BYTES:
            deferred.append((field, value))
        else:
            _set_field(msg, field, value, ctx)
    for field, value in deferred:
        kind = _embedded(msg, field.name, ctx)
        items = value if _is_repeated(field) else [value]
        encoded = [_encode_bytes(kind, item, ctx) for item in items]
        if _is_repeated(field):
            getattr(msg, field.name).extend(encoded)
        else:
            setattr(msg, field.name, encoded[0])
    return msg


def _encode_bytes(kind: Any, value: Json, ctx: _Ctx) -> bytes:
    if isinstance(value, dict) and kind is not None:
        return serialize(from_tree(value, kind(), ctx))
    if isinstance(value, str):
        return base64.b64decode(value, validate=True)
    raise ArtifactDecodeError(f"expected base64 text or an embedded message, got {value!r}")


def _set_field(msg: Any, field: Any, value: Json, ctx: _Ctx) -> None:
    name = field.name
    if _is_map(field):
        value_field = field.message_type.fields_by_name["value"]
        target = getattr(msg, name)
        for key, item in value.items():
            child = _child_ctx(msg, name, key, ctx)
            typed_key = key if field.message_type.fields_by_name["key"].type == \
                FieldDescriptor.TYPE_STRING else int(key)
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                from_tree(item, target[typed_key], child)
            else:
                target[typed_key] = _parse_scalar(value_field, item)
    elif _is_repeated(field):
        target = getattr(msg, name)
        for item in value:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                from_tree(item, target.add())
            else:
                target.append(_parse_scalar(field, item))
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        sub = getattr(msg, name)
        if field.message_type.full_name == "google.protobuf.Timestamp":
            sub.FromJsonString(value)
        else:
            from_tree(value, sub, _child_ctx(msg, name, "", ctx))
        sub.SetInParent()
    else:
        setattr(msg, name, _parse_scalar(field, value))


def _parse_scalar(field: Any, value: Json) -> Any:
    if field.type in _INT64:
        return int(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64decode(value, validate=True)
    if field.type == FieldDescriptor.TYPE_ENUM and isinstance(value, str):
        return field.enum_type.values_by_name[value].number
    if field.type in _FLOAT and isinstance(value, str):
        return float(value.replace("Infinity", "inf"))
    return value


def message_class(message_type: str) -> Any:
    """The class of a proto message by its full name (``common.Block``, ``common.Config``...)."""
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(message_type)
        return message_factory.GetMessageClass(descriptor)
    except KeyError:
        raise ArtifactDecodeError(f"unknown message type {message_type!r}") from None


def detect_type(data: bytes) -> str:
    """``common.Block`` or ``common.Envelope``: which of the two ``data`` is."""
    try:
        block = common.Block.FromString(data)
        if block.HasField("metadata") and block.HasField("header") and block.data.data:
            return "common.Block"
    except DecodeError:
        pass  # a signed envelope's DER signature is no BlockData: try an envelope
    try:
        common.Envelope.FromString(data)
    except DecodeError:
        raise ArtifactDecodeError("not a Fabric block or envelope (protobuf decoding failed)") \
            from None
    return "common.Envelope"


def inspect(data: bytes, message_type: str | None = None) -> dict[str, Json]:
    """Decode a block or envelope (or any ``message_type``) like ``configtxlator proto_decode``.

    Raises:
        ArtifactDecodeError: the bytes are not a message of that type.
    """
    kind = message_class(message_type or detect_type(data))
    try:
        return to_tree(kind.FromString(data))
    except DecodeError as exc:
        raise ArtifactDecodeError(f"not a valid {kind.DESCRIPTOR.full_name}: {exc}") from None


def encode(tree: Mapping[str, Json], message_type: str | None = None) -> bytes:
    """Encode a tree from :func:`inspect` back to bytes (``configtxlator proto_encode``).

    Without ``message_type``, a tree with ``header``/``data``/``metadata`` is a Block and one
    with ``payload`` an Envelope.

    Raises:
        ArtifactDecodeError: the tree does not match the message type.
    """
    if message_type is None:
        message_type = "common.Block" if "metadata" in tree else "common.Envelope"
    kind = message_class(message_type)
    try:
        return serialize(from_tree(tree, kind()))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArtifactDecodeError(f"the JSON is not a valid {message_type}: {exc}") from None


def to_json(tree: Json) -> str:
    """Text as configtxlator prints it: Go's json.Encoder with tab indent, sorted keys."""
    text = json.dumps(tree, indent="\t", sort_keys=True, ensure_ascii=False)
    # encoding/json escapes HTML characters and the two JavaScript line terminators.
    for char, escape in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text + "\n"

