"""Names: orgs, MSP IDs, domains (namespaces) and host names (Services) are valid and unique."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fabgitops.dns import MAX_LABEL, label_problem
from fabgitops.errors import Issue
from fabgitops.images import parse_image
from fabgitops.model import Images
from fabgitops.plan import KAFKA_NAMESPACE, NodeKind, Org
from fabgitops.rules.context import RuleContext
from fabgitops.yamlio import Path

# common/configtx/validator.go: config group keys (org Names) and channel IDs.
CONFIG_ID = re.compile(r"^[a-zA-Z0-9.-]+$")
# common/policydsl/policyparser.go: the MSP ID part of an 'MSP.role' principal.
MSP_ID = re.compile(r"^[A-Za-z0-9.-]+$")
MAX_CONFIG_ID = 249
# Directories and objects of an org overlay that are not nodes (render/ca.py, render/stage.py):
# a node with one of these host names would collide with them.
RESERVED_HOSTS = frozenset({"admin", "ca", "cli", "patches"})


def check(ctx: RuleContext) -> Iterator[Issue]:
    """Run the naming rules."""
    yield from _network(ctx)
    yield from _unique(ctx)
    for org in ctx.plan.orgs:
        yield from _org(ctx, org)


def _network(ctx: RuleContext) -> Iterator[Issue]:
    plan = ctx.plan
    for key, image in plan.images.items():
        try:
            parse_image(image)
        except ValueError as exc:
            yield ctx.error(("Network", "Images", Images.model_fields[key].alias or key),
                            str(exc))
    problem = label_problem(plan.network_name)
    if problem:
        yield ctx.error(("Network", "Name"), f"{problem}; the name prefixes Kubernetes objects")
    prefix = plan.namespace_prefix
    if prefix and not re.match(r"^[a-z0-9][-a-z0-9]*$", prefix):
        yield ctx.error(("Network", "NamespacePrefix"), f"{prefix!r} may only contain lowercase "
                        "letters, digits and '-', and must start with a letter or digit")


def _unique(ctx: RuleContext) -> Iterator[Issue]:
    reported: set[Path] = set()
    for what, key in (("org name", "Name"), ("domain", "Domain"), ("MSP ID", "MSPID")):
        seen: dict[str, Path] = {}
        for org in ctx.plan.orgs:
            value = {"Name": org.name, "Domain": org.domain, "MSPID": org.msp_id}[key]
            # A default MSP ID comes from Name: its clash is the Name's clash, reported once.
            configured = key != "MSPID" or org.msp_id_configured
            where = org.source.at(key if configured else "Name")
            if value not in seen:
                seen[value] = where
            elif where not in reported:
                reported.add(where)
                yield ctx.error(where, f"{what} {value!r} is also used by "
                                       f"{ctx.where(seen[value])}; it must be unique")


def _org(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    if len(org.name) > MAX_CONFIG_ID or not CONFIG_ID.match(org.name) or org.name in (".", ".."):
        yield ctx.error(org.source.at("Name"), f"{org.name!r} cannot name a channel config "
                        "group: use letters, digits, '.' and '-' only (no spaces or underscores)")
    if org.msp_id_configured and not MSP_ID.match(org.msp_id):
        yield ctx.error(org.source.at("MSPID"), f"{org.msp_id!r} cannot be used in policies "
                        "('<MSPID>.member'): use letters, digits, '.' and '-' only")
    yield from _domain(ctx, org)
    yield from _hosts(ctx, org)
    if org.anchor_peers_configured:
        yield from _anchor_peers(ctx, org)
    if org.kind is NodeKind.PEER and not org.nodes and not org.external:
        yield ctx.warning(org.source.path, f"peer org {org.name!r} has no peers (set "
                          "Template.Count or Specs)")


def _domain(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    where = org.source.at("Domain")
    problem = label_problem(org.domain)
    if problem:
        yield ctx.error(where, f"{problem}. The domain is the org's Kubernetes namespace, and "
                        "<host>.<domain> must resolve as <service>.<namespace>")
        return
    if len(org.namespace) > MAX_LABEL:
        yield ctx.error(where, f"namespace {org.namespace!r} (NamespacePrefix + Domain) is "
                        f"longer than {MAX_LABEL} characters")
    if org.namespace == ctx.plan.namespace(KAFKA_NAMESPACE):
        yield ctx.error(where, f"{org.domain!r} is reserved for the Kafka and ZooKeeper "
                        "namespace")


def _hosts(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    """Host names become Service names in the org namespace: labels, unique with the CA's."""
    ca_host = org.ca.hostname
    hosts: dict[str, Path] = {ca_host: org.ca.source.path}
    common_names: dict[str, Path] = {}
    problem = label_problem(ca_host)
    if problem:
        yield ctx.error(org.ca.source.at("Hostname"), f"{problem}; it is a Kubernetes Service "
                        "name")
    for node in org.nodes:
        where = node.source.path
        problem = label_problem(node.hostname)
        if problem:
            yield ctx.error(where, f"host name {problem}; it is a Kubernetes Service name")
        elif node.hostname in RESERVED_HOSTS and node.hostname != ca_host:
            reserved = ", ".join(sorted(RESERVED_HOSTS))
            yield ctx.error(where, f"host name {node.hostname!r} is reserved in an org "
                            f"overlay ({reserved})")
        if node.hostname in hosts:
            yield ctx.error(where, f"host name {node.hostname!r} is also used by "
                            f"{ctx.where(hosts[node.hostname])} in org {org.name!r}")
        hosts.setdefault(node.hostname, where)
        common_name = node.identity.common_name
        if common_name in common_names:
            yield ctx.error(where, f"common name {common_name!r} is also used by "
                            f"{ctx.where(common_names[common_name])}")
        common_names.setdefault(common_name, where)


def _anchor_peers(ctx: RuleContext, org: Org) -> Iterator[Issue]:
    hosts = {n.hostname for n in org.nodes}
    seen: set[str] = set()
    for i, host in enumerate(org.anchor_peers):
        where = org.source.at("AnchorPeers", i)
        if host not in hosts:
            known = ", ".join(sorted(hosts)) or "none"
            yield ctx.error(where, f"anchor peer {host!r} is not a peer of org {org.name!r} "
                            f"(its peers: {known})")
        if host in seen:
            yield ctx.error(where, f"anchor peer {host!r} is listed twice")
        seen.add(host)
