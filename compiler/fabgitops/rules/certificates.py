"""Certificates: every identity of the plan is one the crypto stage can issue.

The checks call the crypto stage's own subject and SAN builders, so they accept exactly what
the crypto stage encodes (cryptogen accepts some names X.509 libraries refuse; see
``crypto.ca``).
"""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.crypto.ca import alternative_names, subject_name
from fabgitops.errors import Issue
from fabgitops.model import PublicKeyAlgorithm
from fabgitops.plan import Identity, Org
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the certificate rules."""
    for org in ctx.plan.orgs:
        yield from _authority(ctx, org)
        for node in org.nodes:
            yield from _identity(ctx, org, node.identity, node.source.path)
        for user in org.users:
            yield from _identity(ctx, org, user, org.source.at("Users"))


def _algorithm(ctx: RuleContext, path: Path, algorithm: PublicKeyAlgorithm) -> Iterator[Issue]:
    # cryptogen 2.x makes ECDSA P-256 keys only (csp.go L77); ed25519 is a 3.x option that the
    # crypto stage does not implement yet.
    if algorithm is not PublicKeyAlgorithm.ECDSA:
        yield ctx.error((*path, "PublicKeyAlgorithm"), f"PublicKeyAlgorithm {algorithm.value} "
                        "is not supported yet: use ecdsa (the only algorithm Fabric 2.5 accepts)")


def _authority(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    ca = org.ca
    yield from _algorithm(ctx, ca.source.path, ca.key_algorithm)
    try:
        subject_name(ca.subject, ca.common_name, organization=org.domain)
        subject_name(ca.subject, ca.tls_common_name, organization=org.domain)
        alternative_names(ca.tls_sans)
    except ValueError as exc:
        yield ctx.error(ca.source.path, f"the CA of org {org.name} cannot be issued: {exc}")


def _identity(ctx: RuleContext, org: Org, identity: Identity, path: Path) -> Iterator[Issue]:
    yield from _algorithm(ctx, path, identity.key_algorithm)
    # msp.go L78-81: the node OU goes into the enrollment certificate only with NodeOUs.
    ous = (identity.role.value,) if org.enable_node_ous else ()
    try:
        subject_name(org.ca.subject, identity.common_name, node_ous=ous)
        alternative_names(identity.sans)
    except ValueError as exc:
        yield ctx.error(path, f"{identity.common_name}: cannot be issued: {exc}")
