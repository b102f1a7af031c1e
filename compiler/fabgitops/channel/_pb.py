"""The ``fabric_protos`` modules this package uses, typed for mypy.

The ``hyperledger-fabric-protos`` wheel ships ``py.typed`` but no ``.pyi`` stubs, and its
generated modules build their classes at import time, so mypy sees no attributes on them. They
are imported here once, as ``Any``, so every other module gets one import site and no per-line
ignores; ``Proto`` names a message value in signatures.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeAlias

__all__ = [
    "Proto",
    "common",
    "configtx",
    "configuration",
    "etcdraft",
    "identities",
    "msp_config",
    "msp_principal",
    "orderer",
    "peer",
    "policies",
    "serialize",
    "smartbft",
]


Proto: TypeAlias = Any
"""A ``fabric_protos`` message (untyped: the wheel ships no stubs)."""


def _load(name: str) -> Any:
    return importlib.import_module(f"fabric_protos.{name}")


common: Any = _load("common.common_pb2")
configtx: Any = _load("common.configtx_pb2")
configuration: Any = _load("common.configuration_pb2")
policies: Any = _load("common.policies_pb2")
msp_config: Any = _load("msp.msp_config_pb2")
msp_principal: Any = _load("msp.msp_principal_pb2")
identities: Any = _load("msp.identities_pb2")
orderer: Any = _load("orderer.configuration_pb2")
etcdraft: Any = _load("orderer.etcdraft.configuration_pb2")
smartbft: Any = _load("orderer.smartbft.configuration_pb2")
peer: Any = _load("peer.configuration_pb2")


def serialize(message: Proto) -> bytes:
    """Serialize with sorted map keys, so equal messages always give equal bytes.

    Go's ``proto.Marshal`` (protoutil.MarshalOrPanic, what configtxgen uses) writes map entries in
    random order, so configtxgen's bytes are not stable either; any order decodes to the same
    config, and a fixed one makes recompiles reproducible.
    """
    data: bytes = message.SerializeToString(deterministic=True)
    return data
