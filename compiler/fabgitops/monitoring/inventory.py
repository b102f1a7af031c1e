"""The certificate inventory: every certificate the keystore holds, with its expiry date.

The inventory reads the keystore tree, not the crypto stage's typed material: whatever
certificate a later feature stores there (``<kind>Organizations/<domain>/<...>/cert.pem``, a
chaincode server's say) is inventoried, and so alerted on, without a change here. Retired
material is skipped: nothing runs with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

from fabgitops.layout import KEYSTORE_PREFIX
from fabgitops.monitoring.operations import CLIENT_COMMON_NAME
from fabgitops.plan import Org

KEYSTORE = KEYSTORE_PREFIX
RETIRED = KEYSTORE + "retired/"
CERT_FILE = "cert.pem"
CA_DIRS = {"ca": "ca", "tlsca": "tls-ca", "ca-server": "ca-server-tls"}
"""The org-level folders: the CA server runs them all."""
PURPOSES = {"msp": "enrollment", "tls": "tls"}
IDENTITY_GROUPS = ("peers", "orderers", "users")


@dataclass(frozen=True, order=True)
class Certificate:
    """One certificate of the keystore, labelled for the alerts."""

    namespace: str
    """The org's namespace (the ``org`` label of its metrics)."""
    path: str
    """Its keystore folder, relative to ``.fabgitops/keystore/``, without ``/cert.pem``."""
    node: str
    """The node that serves it (host name), the CA's host name, or the user's CN."""
    kind: str
    """``ca``, ``tls-ca``, ``ca-server-tls``, ``enrollment``, ``tls`` (nodes, users and
    Prometheus' client), or ``<group>-tls`` for another group (``chaincode-tls``)."""
    subject: str
    """The subject's CN."""
    not_after: datetime

    @property
    def expiry_timestamp(self) -> int:
        """NotAfter in seconds since the epoch, the unit of Prometheus' ``time()``."""
        return int(self.not_after.timestamp())


def by_org_directory(keystore: Mapping[str, bytes]) -> Mapping[str, Mapping[str, bytes]]:
    """The keystore split by org directory (``peerOrganizations/<domain>``, an org's
    ``crypto_dir``): what :func:`certificates` of one org reads, so that asking for each org
    does not scan (and parse) the whole keystore each time."""
    split: dict[str, dict[str, bytes]] = {}
    for path, content in keystore.items():
        if path.startswith(KEYSTORE):
            parts = path[len(KEYSTORE):].split("/", 2)
            split.setdefault("/".join(parts[:2]), {})[path] = content
    return split


def certificates(orgs: Iterable[Org], keystore: Mapping[str, bytes]) -> list[Certificate]:
    """Every live certificate of ``orgs`` in the keystore, sorted by org and path.

    Files that do not parse as a certificate are skipped: the crypto stage reports those.
    """
    by_dir = {org.crypto_dir: org for org in orgs}
    found = []
    for path, content in keystore.items():
        if not path.startswith(KEYSTORE) or path.startswith(RETIRED) or \
                not path.endswith("/" + CERT_FILE):
            continue
        folder = path.removeprefix(KEYSTORE).removesuffix("/" + CERT_FILE)
        parts = folder.split("/")
        org = by_dir.get("/".join(parts[:2]))
        if org is None or len(parts) < 3:
            continue
        try:
            certificate = x509.load_pem_x509_certificate(content)
        except ValueError:
            continue
        node, kind = _node_and_kind(org, parts[2:])
        found.append(Certificate(org.namespace, folder, node, kind, _common_name(certificate),
                                 certificate.not_valid_after_utc))
    return sorted(found)


def _node_and_kind(org: Org, rest: list[str]) -> tuple[str, str]:
    """Who uses a certificate, from its folder below the org directory."""
    if rest[0] in CA_DIRS:
        return org.ca.hostname, CA_DIRS[rest[0]]
    # <peers|orderers|users>/<CN>/<purpose>: nodes by host name, users by CN. Other groups
    # (chaincodes/<name>/tls, monitoring/tls) are named by their group: "chaincode-tls".
    hostnames = {n.identity.common_name: n.hostname for n in org.nodes}
    kind = PURPOSES.get(rest[-1], rest[-1])
    if rest[0] in IDENTITY_GROUPS:
        return hostnames.get(rest[1], rest[1]), kind
    if rest[0] == "monitoring":
        return CLIENT_COMMON_NAME, kind
    return (rest[1] if len(rest) > 2 else rest[0]), f"{rest[0].removesuffix('s')}-{kind}"


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else certificate.subject.rfc4514_string()
    return value if isinstance(value, str) else value.decode()
