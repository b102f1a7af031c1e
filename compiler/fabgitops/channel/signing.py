"""Signed CONFIG_UPDATE envelopes, as ``peer channel signconfigtx`` + ``update`` produce them.

- a ``ConfigSignature`` signs ``signature_header || config_update`` (protoutil/signeddata.go
  ConfigUpdateEnvelopeAsSignedData), its header naming the signer (SerializedIdentity) with a
  24-byte nonce;
- the envelope is protoutil.CreateSignedEnvelope of type CONFIG_UPDATE signed by the first
  signer, who must satisfy ``/Channel/Writers`` (an org admin does);
- ECDSA signatures are SHA-256 and low-S: Fabric's MSP rejects a high S with "Invalid S. Must
  be smaller than half the order" (bccsp/sw/ecdsa.go), and ``cryptography`` does not normalise.

Keys are PEM in memory only; nothing here writes them anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from fabgitops.channel._pb import Proto, common, configtx, identities, serialize
from fabgitops.channel.authorize import Signer
from fabgitops.channel.envelope import NONCE_SIZE, UPDATE_MSG_VERSION
from fabgitops.keystore.value import SecretValue, reveal

# Curve orders, for the low-S rule (bccsp/sw/ecdsa.go curveHalfOrders).
_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB2"
                     "48B0A77AECEC196ACCC52973", 16),
}


@dataclass(frozen=True)
class KeyedSigner:
    """A signer with its private key (PEM, in memory only; a keystore secret is decrypted only
    when it signs)."""

    signer: Signer
    key: SecretValue

    @property
    def key_pem(self) -> bytes:
        """The private key, PEM (decrypted)."""
        return reveal(self.key)

    def __repr__(self) -> str:
        return f"KeyedSigner({self.signer.msp_id!r}, {self.signer.name!r})"

    def sign(self, message: bytes) -> bytes:
        """A low-S DER ECDSA-SHA256 signature of ``message``.

        Raises:
            ValueError: the key is not an ECDSA key on P-256 or P-384.
        """
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name not in _ORDERS:
            raise ValueError(f"{self.signer.name}: only ECDSA P-256/P-384 keys can sign config "
                             "updates")
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        order = _ORDERS[key.curve.name]
        if s > order // 2:
            s = order - s
        return encode_dss_signature(r, s)


def _header(signer: Signer, nonce: bytes) -> bytes:
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"a nonce is {NONCE_SIZE} bytes, got {len(nonce)}")
    return serialize(common.SignatureHeader(creator=signer.serialized, nonce=nonce))


def signed_update_envelope(config_update: Proto, signers: Sequence[KeyedSigner], *,
                           timestamp: int, rng: Callable[[int], bytes]) -> Proto:
    """The CONFIG_UPDATE envelope of ``config_update``, signed by every signer.

    Raises:
        ValueError: no signer, or a key that cannot sign.
    """
    if not signers:
        raise ValueError("a config update needs at least one signer")
    update_bytes = serialize(config_update)
    data = configtx.ConfigUpdateEnvelope(config_update=update_bytes)
    for keyed in signers:
        header = _header(keyed.signer, rng(NONCE_SIZE))
        data.signatures.add(signature_header=header, signature=keyed.sign(header + update_bytes))
    channel_header = common.ChannelHeader(type=common.CONFIG_UPDATE, version=UPDATE_MSG_VERSION,
                                          channel_id=config_update.channel_id, epoch=0)
    channel_header.timestamp.seconds = timestamp
    submitter = signers[0]
    payload = serialize(common.Payload(
        header=common.Header(channel_header=serialize(channel_header),
                             signature_header=_header(submitter.signer, rng(NONCE_SIZE))),
        data=serialize(data)))
    return common.Envelope(payload=payload, signature=submitter.sign(payload))


def signatures(envelope_data: bytes) -> list[tuple[str, bytes]]:
    """The (MSP ID, certificate PEM) of each ConfigSignature of a ConfigUpdateEnvelope."""
    out = []
    for signature in configtx.ConfigUpdateEnvelope.FromString(envelope_data).signatures:
        creator = common.SignatureHeader.FromString(signature.signature_header).creator
        who = identities.SerializedIdentity.FromString(creator)
        out.append((str(who.mspid), bytes(who.id_bytes)))
    return out
