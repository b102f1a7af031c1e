"""The crypto stage: the plan plus the previous keystore in, crypto material out.

Per org, in cryptogen's order (main.go ``generatePeerOrg`` L508-582, ``generateOrdererOrg``
L625-691): signing CA, TLS CA, then each node, then ``User1..N`` and ``Admin``; plus the TLS
pair of the org's fabric-ca-server. Each piece is reused from the keystore when it exists
(:mod:`fabgitops.crypto.reconcile`), so the stage is idempotent: compiling twice gives a
byte-identical keystore.

Keystore layout (relative to ``.fabgitops/keystore/``)::

    recipients.txt                               age recipients of every *.age file
    <kind>Organizations/<domain>/ca/{cert.pem,key.age}        signing CA
    <kind>Organizations/<domain>/tlsca/{cert.pem,key.age}     TLS CA
    <kind>Organizations/<domain>/ca-server/tls/{cert.pem,key.age}
    <kind>Organizations/<domain>/<peers|orderers|users>/<CN>/{msp,tls}/{cert.pem,key.age}
    credentials/<name>.age
    retired/<any of the above>                   material of removed orgs/nodes/users
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from fabgitops.chaincode.plan import ChaincodeServer, chaincode_servers
from fabgitops.crypto.ca import Profile
from fabgitops.crypto.keys import KeyGen
from fabgitops.crypto.material import CryptoMaterial
from fabgitops.crypto.reconcile import Issuance, authority, leaf
from fabgitops.crypto.values import IdentityMaterial, OrgMaterial
from fabgitops.keystore import memo
from fabgitops.keystore.credentials import (
    ca_admin_credential,
    couchdb_credential,
    reconcile_credentials,
)
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.keystore.ledger import Entries, Ledger, keystore_part, recorded_recipients
from fabgitops.keystore.sealing import make_sealer, read_recipients_file
from fabgitops.model import FabricVersion, StateDatabase
from fabgitops.monitoring.operations import CLIENT_COMMON_NAME
from fabgitops.notes import Note
from fabgitops.parallel import fork_map, workers
from fabgitops.plan import Identity, NodeKind, Org, Plan
from fabgitops.ports import Clock


def system_clock() -> datetime:
    """The production clock: now, in UTC."""
    return datetime.now(UTC)


def credential_names(plan: Plan) -> list[str]:
    """The credentials every network needs: each org's CA admin password, and a CouchDB
    password per peer whose org uses CouchDB."""
    names = [ca_admin_credential(org.domain) for org in plan.orgs]
    for org in plan.peer_orgs:
        if org.state_database is StateDatabase.COUCHDB:
            names += [couchdb_credential(org.domain, n.hostname) for n in org.nodes]
    return names


def issue(
    plan: Plan,
    previous: Mapping[str, bytes],
    *,
    clock: Clock,
    keygen: KeyGen,
    identity: AgeIdentity,
    renew: bool = False,
    credentials: Iterable[str] = (),
    known: frozenset[str] = frozenset(),
) -> CryptoMaterial:
    """Reuse or create every certificate, key and credential the plan needs.

    Args:
        plan: the network.
        previous: the output repository's current files (only ``.fabgitops/keystore/`` is read).
        clock: the time certificates are issued at.
        keygen: the source of keys, serials and credential randomness.
        identity: the age identity that decrypts the existing keystore.
        renew: also reissue leaf certificates expiring within ``Keystore.ExpiryWarningDays``.
        credentials: names of extra credentials to keep, besides :func:`credential_names`.
        known: the memo's facts (``keystore.memo``): checks that need not decrypt again.

    Raises:
        EnvironmentProblem: the keystore cannot be decrypted with ``identity``, a key is
            missing, or the identity is not among the configured recipients.

    Validation (``rules.certificates``, ``rules.delivery``) has refused every key algorithm,
    subject, SAN and recipient this stage cannot use; one reaching it is a bug (ValueError).
    """
    now = clock()
    settings = plan.keystore
    recorded = recorded_recipients(previous)
    sealer = make_sealer(
        settings.age_recipients,
        identity,
        read_recipients_file(recorded) if recorded is not None else None,
    )
    ledger = Ledger(keystore_part(previous), sealer)
    renew_before = now + timedelta(days=settings.expiry_warning_days) if renew else None
    ctx = Issuance(ledger, keygen, now, renew_before, memo_key=memo.identity_key(identity),
                   known=known)
    # cryptogen 3.x marshals config.yaml with yaml v4, indenting by 4 (2.5's yaml.v2: by 2).
    indent = 2 if plan.fabric_version is FabricVersion.V2_5 else 4
    servers = chaincode_servers(plan)
    scraper = plan.monitoring is not None
    issued = _issue_orgs(ctx, plan.orgs, servers, scraper)
    orgs = {org.name: replace(issued[org.name], config_indent=indent) for org in plan.orgs}
    values, created = reconcile_credentials(
        ledger, [*credential_names(plan), *credentials], keygen.random_bytes
    )
    outcome = ledger.finish()
    notes = [*ctx.notes, *(Note.created(f"created credential {n}") for n in created)]
    notes += [Note.info(f"retired {p} to retired/{p}") for p in outcome.retired]
    notes += [Note.info(f"restored {p} from retired/") for p in outcome.restored]
    return CryptoMaterial(orgs, outcome.tree, values, tuple(notes), facts=frozenset(ctx.facts))


ORGS_PER_WORKER = 8
"""Below this many orgs per core, forking costs more than it saves."""


@dataclass(frozen=True)
class _Share:
    """What issuing a share of the orgs in a worker produced, for the parent to take over."""

    orgs: dict[str, OrgMaterial]
    entries: Entries
    notes: list[Note]
    facts: set[str]


def _issue_orgs(ctx: Issuance, orgs: Sequence[Org],
                servers: Mapping[str, Sequence[ChaincodeServer]], scraper: bool
                ) -> dict[str, OrgMaterial]:
    """Every org's material; split over the cores when there are enough orgs.

    Orgs share no keystore path, so each worker issues a contiguous share of them on its own
    copy of the ledger, and the parent takes over their entries, facts and notes (in org
    order, as one process would give them). Keys come from the KeyGen, which forked processes
    share safely: the system one reads the OS generator, the tests' derives a key from its
    path.
    """
    def share(part: Sequence[Org]) -> _Share:
        notes, facts = len(ctx.notes), set(ctx.facts)
        material = {o.name: _org(ctx, o, servers.get(o.name, ()), scraper) for o in part}
        return _Share(material, ctx.ledger.entries(), ctx.notes[notes:], ctx.facts - facts)

    count = workers(len(orgs), ORGS_PER_WORKER)
    size = -(-len(orgs) // count)
    before, entries, facts = len(ctx.notes), ctx.ledger.entries(), set(ctx.facts)
    shares = fork_map(share, [orgs[i:i + size] for i in range(0, len(orgs), size)])
    # The parent's own share is done: its notes come back below with the others', or, when a
    # worker failed, everything it did is done again by one process.
    del ctx.notes[before:]
    if shares is None:
        ctx.ledger.rewind(entries)
        ctx.facts = facts
        return share(orgs).orgs
    issued: dict[str, OrgMaterial] = {}
    for part in shares:
        issued.update(part.orgs)
        ctx.ledger.absorb(part.entries)
        ctx.facts |= part.facts
        ctx.notes += part.notes
    return issued


def _org(ctx: Issuance, org: Org, servers: Sequence[ChaincodeServer] = (),
         scraper: bool = False) -> OrgMaterial:
    base = org.crypto_dir
    subject = org.ca.subject
    # main.go L521/L527: O is the org domain; the TLS CA's CN is "tls" + the CA's CN.
    signing, ca_pair = authority(ctx, f"{base}/ca", org.ca.common_name, org.domain, subject)
    tls, tls_pair = authority(ctx, f"{base}/tlsca", org.ca.tls_common_name, org.domain, subject)
    group = "peers" if org.kind is NodeKind.PEER else "orderers"

    def identity(spec: Identity, folder: str) -> IdentityMaterial:
        root = f"{base}/{folder}/{spec.common_name}"
        # msp.go L78-81: the NodeOU goes into the enrollment cert only when NodeOUs are on;
        # the plan gives Admin@ the admin role only then (main.go generateNodes L613-615).
        ous = (spec.role.value,) if org.enable_node_ous else ()
        enrollment, created = leaf(
            ctx, f"{root}/msp", signing, spec.common_name, Profile.ENROLLMENT, node_ous=ous
        )
        # msp.go L144-148: the TLS cert has no node OU; users have no SANs.
        tls_pair_, _ = leaf(ctx, f"{root}/tls", tls, spec.common_name, Profile.TLS, sans=spec.sans)
        if created:
            ctx.notes.append(Note.created(f"created {root}"))
        return IdentityMaterial(spec.common_name, spec.role, enrollment, tls_pair_)

    nodes = tuple(identity(node.identity, group) for node in org.nodes)
    users = tuple(identity(user, "users") for user in org.users)
    ca_server, _ = leaf(ctx, f"{base}/ca-server/tls", tls, org.ca.common_name, Profile.TLS,
                        sans=org.ca.tls_sans)
    chaincode_tls = {
        server.chaincode: leaf(ctx, f"{base}/chaincodes/{server.chaincode}/tls", tls,
                               server.common_name, Profile.TLS, sans=server.sans)[0]
        for server in servers
    }
    # Monitoring: the client pair Prometheus presents to the operations endpoints.
    scraper_tls = leaf(ctx, f"{base}/monitoring/tls", tls, CLIENT_COMMON_NAME,
                       Profile.TLS)[0] if scraper else None
    return OrgMaterial(
        name=org.name,
        domain=org.domain,
        kind=org.kind,
        crypto_dir=base,
        enable_node_ous=org.enable_node_ous,
        ca_name=org.ca.common_name,
        tlsca_name=org.ca.tls_common_name,
        ca=ca_pair,
        tlsca=tls_pair,
        nodes=nodes,
        users=users,
        ca_server_tls=ca_server,
        chaincode_tls=chaincode_tls,
        scraper_tls=scraper_tls,
    )
