"""Reading the bundles a cluster-config names (``External: true`` with ``Bundle: FILE``).

Bundle paths are relative to the cluster-config. Every bundle is read and checked; all
problems are reported together, each located in the bundle or in the config entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from fabgitops.errors import ConfigInvalid, Issue
from fabgitops.parties.bundle import OrgBundle
from fabgitops.parties.check import content_issues, entry_issues, parse_bundle, private_key_issues
from fabgitops.plan import Plan
from fabgitops.yamlio import Document


def read_bundles(plan: Plan, config_doc: Document, base: Path, *,
                 read: Callable[[Path], Document]) -> Mapping[str, OrgBundle]:
    """The checked bundle of every external org, by org name.

    ``read`` parses a YAML file with positions (``config_file.read_document``), raising
    ConfigInvalid when it cannot.

    Raises:
        ConfigInvalid: a bundle is missing, unreadable, malformed, or does not match its entry.
    """
    bundles: dict[str, OrgBundle] = {}
    issues: list[Issue] = []
    for org in plan.orgs:
        if not org.external or org.bundle is None:
            continue
        file = base / org.bundle
        if not file.is_file():
            issues.append(config_doc.issue(org.source.at("Bundle"), f"no bundle file {file}: "
                                           f"ask {org.name}'s party for the output of "
                                           f"`fabgitops export-org {org.name}`"))
            continue
        try:
            doc = read(file)
        except ConfigInvalid as exc:
            issues += exc.issues
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        found = list(private_key_issues(doc, text))
        parsed = parse_bundle(doc)
        if isinstance(parsed, list):
            issues += found + parsed
            continue
        found += content_issues(doc, parsed)
        found += entry_issues(config_doc, org, parsed)
        issues += found
        if not found:
            bundles[org.name] = parsed
    if issues:
        raise ConfigInvalid(sorted(set(issues)))
    return bundles
