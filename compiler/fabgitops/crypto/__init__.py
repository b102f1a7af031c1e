"""The crypto stage: cryptogen-compatible certificates and keys, kept in an encrypted keystore.

Layers as in cryptogen (``csp`` -> ``ca`` -> ``msp`` -> ``cmd``): :mod:`.keys` -> :mod:`.ca`
-> :mod:`.msp` -> :mod:`.stage` (with :mod:`.reconcile` for reuse against the keystore).

Names are loaded on first use (PEP 562 ``__getattr__``), so ``validate`` can read certificate
expiry (:mod:`.expiry`) without importing the whole stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fabgitops.lazy import module_getattr

if TYPE_CHECKING:
    from fabgitops.crypto.expiry import Expiring, expiring, expiring_in_keystore
    from fabgitops.crypto.export import export_crypto
    from fabgitops.crypto.keys import KeyGen, SystemKeyGen
    from fabgitops.crypto.material import CryptoMaterial
    from fabgitops.crypto.stage import credential_names, issue, system_clock
    from fabgitops.crypto.values import CertKey, IdentityMaterial, OrgMaterial
    from fabgitops.ports import Clock

_HOME = {
    **dict.fromkeys(("Expiring", "expiring", "expiring_in_keystore"), "fabgitops.crypto.expiry"),
    "export_crypto": "fabgitops.crypto.export",
    **dict.fromkeys(("KeyGen", "SystemKeyGen"), "fabgitops.crypto.keys"),
    "CryptoMaterial": "fabgitops.crypto.material",
    **dict.fromkeys(("credential_names", "issue", "system_clock"), "fabgitops.crypto.stage"),
    **dict.fromkeys(("CertKey", "IdentityMaterial", "OrgMaterial"), "fabgitops.crypto.values"),
    "Clock": "fabgitops.ports",
}


__getattr__ = module_getattr(__name__, globals(), _HOME)


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
