"""Monitoring: thresholds that can fire, and a Prometheus namespace apart from the orgs."""

from __future__ import annotations

from collections.abc import Iterator

from fabgitops.errors import Issue
from fabgitops.rules.context import RuleContext


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the monitoring rules."""
    settings = ctx.plan.monitoring
    if settings is None:
        return
    limits = settings.thresholds
    if limits.certificate_critical_days >= limits.certificate_warning_days:
        yield ctx.error(("Monitoring", "Thresholds", "CertificateCriticalDays"),
                        f"{limits.certificate_critical_days} days must be fewer than "
                        f"CertificateWarningDays ({limits.certificate_warning_days}): the "
                        "warning would never fire before the critical alert")
    for org in ctx.plan.orgs:
        if org.namespace == settings.namespace:
            yield ctx.error(("Monitoring", "Namespace"), f"{settings.namespace!r} is the "
                            f"namespace of org {org.name} ({ctx.where(org.source.at('Domain'))}"
                            "); Prometheus needs its own namespace, the only one the "
                            "NetworkPolicies admit to the operations ports")
