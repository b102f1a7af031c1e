"""Delivery: secrets mode, age recipients and the GitOps engine fit together."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.age import parse_recipient
from fabgitops.errors import Issue
from fabgitops.gitops.common import output_path_problem
from fabgitops.model import GitOpsEngine, SecretsMode
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the delivery rules."""
    plan = ctx.plan
    secrets = plan.secrets
    engine = plan.git_ops.engine
    if secrets.mode is SecretsMode.SOPS and not secrets.sops.age_recipients:
        yield ctx.error(("Secrets", "Sops", "AgeRecipients"), "Mode: sops needs at least one age "
                        "recipient (the public key whose identity the cluster's Flux holds)")
    if secrets.mode is SecretsMode.SOPS and engine is GitOpsEngine.ARGOCD:
        yield ctx.warning(("Secrets", "Mode"), "Argo CD cannot decrypt SOPS files without a "
                          "plugin such as KSOPS; use sealed-secrets with Argo CD, or Flux")
    if secrets.mode is SecretsMode.PLAIN:
        yield ctx.warning(("Secrets", "Mode"), "plain mode writes private keys and passwords "
                          "unencrypted into the output; use it only for throwaway clusters")
    problem = output_path_problem(plan.git_ops.path)
    if problem:
        yield ctx.error(("GitOps", "Path"), problem)
    yield from _recipients(ctx, ("Secrets", "Sops", "AgeRecipients"), secrets.sops.age_recipients)
    yield from _recipients(ctx, ("Keystore", "AgeRecipients"), plan.keystore.age_recipients)


def _recipients(ctx: RuleContext, path: Path, recipients: tuple[str, ...]) -> Iterator[Issue]:
    seen: set[str] = set()
    for i, recipient in enumerate(recipients):
        try:
            parse_recipient(recipient)
        except ValueError as exc:
            yield ctx.error((*path, i), str(exc))
        if recipient in seen:
            yield ctx.error((*path, i), f"{recipient!r} is listed twice")
        seen.add(recipient)
