"""The crypto stage: cryptogen-compatible certificates and keys, kept in an encrypted keystore.

Layers as in cryptogen (``csp`` -> ``ca`` -> ``msp`` -> ``cmd``): :mod:`.keys` -> :mod:`.ca`
-> :mod:`.msp` -> :mod:`.stage` (with :mod:`.reconcile` for reuse against the keystore).
"""

from fabgitops.crypto.expiry import Expiring, expiring, expiring_in_keystore
from fabgitops.crypto.export import export_crypto
from fabgitops.crypto.keys import KeyGen, SystemKeyGen
from fabgitops.crypto.material import CryptoMaterial
from fabgitops.crypto.stage import credential_names, issue, system_clock
from fabgitops.crypto.values import CertKey, IdentityMaterial, OrgMaterial
from fabgitops.ports import Clock

__all__ = [
    "CertKey",
    "Clock",
    "CryptoMaterial",
    "Expiring",
    "IdentityMaterial",
    "KeyGen",
    "OrgMaterial",
    "SystemKeyGen",
    "credential_names",
    "expiring",
    "expiring_in_keystore",
    "export_crypto",
    "issue",
    "system_clock",
]
