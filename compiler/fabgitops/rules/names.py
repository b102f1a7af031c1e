"""Names: orgs, MSP IDs, domains (namespaces) and host names (Services) are valid and unique."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator

from fabgitops.errors import Issue
from fabgitops.model import Organization, PeerOrg, PublicKeyAlgorithm
from fabgitops.naming import (
    DEFAULT_CA_HOSTNAME,
    ExpandedNode,
    TemplateError,
    expand_spec,
    template_spec,
)
from fabgitops.plan import KAFKA_NAMESPACE
from fabgitops.rules.context import Context
from fabgitops.yamlio import Path

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# common/configtx/validator.go: config group keys (org Names) and channel IDs.
CONFIG_ID = re.compile(r"^[a-zA-Z0-9.-]+$")
# common/policydsl/policyparser.go: the MSP ID part of an 'MSP.role' principal.
MSP_ID = re.compile(r"^[A-Za-z0-9.-]+$")
MAX_LABEL = 63
MAX_CONFIG_ID = 249
MAX_NODES_TOTAL = 10_000
# Directories and objects of an org overlay that are not nodes (render/ca.py, render/stage.py):
# a node with one of these host names would collide with them.
RESERVED_HOSTS = frozenset({"admin", "ca", "cli", "patches"})

_SUBJECT_FIELDS = (
    ("country", "Country"),
    ("province", "Province"),
    ("locality", "Locality"),
    ("organizational_unit", "OrganizationalUnit"),
    ("street_address", "StreetAddress"),
    ("postal_code", "PostalCode"),
)

OrgEntry = tuple[Path, Organization, str]


def org_entries(ctx: Context) -> list[OrgEntry]:
    """Every org with its path and cryptogen prefix (``orderer`` or ``peer``)."""
    config = ctx.config
    return [(("OrdererOrgs", i), o, "orderer") for i, o in enumerate(config.orderer_orgs)] + [
        (("PeerOrgs", i), o, "peer") for i, o in enumerate(config.peer_orgs)
    ]


def label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 label, or None when it is one."""
    if len(value) > MAX_LABEL:
        return f"{value!r} is longer than {MAX_LABEL} characters"
    if not DNS1123_LABEL.match(value):
        return (f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', "
                "starting and ending with a letter or digit; no dots, no uppercase)")
    return None


def image_problem(reference: str) -> str | None:
    """Why an image reference is not pinned (a tag other than latest, or a digest)."""
    if re.search(r"@sha256:[0-9a-f]{64}$", reference):
        return None
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag or not tag:
        return f"image {reference!r} has no tag: pin a version (or a digest)"
    if tag == "latest":
        return f"image {reference!r} uses the tag 'latest': pin a version (or a digest)"
    return None


def check(ctx: Context) -> Iterator[Issue]:
    """Run the naming rules."""
    yield from _network(ctx)
    entries = org_entries(ctx)
    yield from _unique(ctx, entries)
    total = 0
    for path, org, prefix in entries:
        nodes = yield from _org(ctx, path, org, prefix)
        total += len(nodes) + org.users.count
    if total > MAX_NODES_TOTAL:
        yield ctx.error((), f"the network has {total} nodes and users, more than the limit of "
                            f"{MAX_NODES_TOTAL} (a typo in a Count?)")


def _network(ctx: Context) -> Iterator[Issue]:
    network = ctx.config.network
    for field, image in network.images.model_dump(by_alias=True, exclude_none=True).items():
        problem = image_problem(image)
        if problem:
            yield ctx.error(("Network", "Images", field), problem)
    problem = label_problem(network.name)
    if problem:
        yield ctx.error(("Network", "Name"), f"{problem}; the name prefixes Kubernetes objects")
    prefix = network.namespace_prefix
    if prefix and not re.match(r"^[a-z0-9][-a-z0-9]*$", prefix):
        yield ctx.error(("Network", "NamespacePrefix"), f"{prefix!r} may only contain lowercase "
                        "letters, digits and '-', and must start with a letter or digit")


def _unique(ctx: Context, entries: list[OrgEntry]) -> Iterator[Issue]:
    reported: set[Path] = set()
    for what, key in (("org name", "Name"), ("domain", "Domain"), ("MSP ID", "MSPID")):
        seen: dict[str, Path] = {}
        for path, org, _ in entries:
            value = {"Name": org.name, "Domain": org.domain,
                     "MSPID": org.msp_id or f"{org.name}MSP"}[key]
            # A default MSP ID comes from Name: its clash is the Name's clash, reported once.
            where = (*path, key) if key != "MSPID" or org.msp_id else (*path, "Name")
            if value not in seen:
                seen[value] = where
            elif where not in reported:
                reported.add(where)
                yield ctx.error(where, f"{what} {value!r} is also used by "
                                       f"{ctx.where(seen[value])}; it must be unique")


Found = Generator[Issue, None, list[ExpandedNode]]


def _org(ctx: Context, path: Path, org: Organization, prefix: str) -> Found:
    if len(org.name) > MAX_CONFIG_ID or not CONFIG_ID.match(org.name) or org.name in (".", ".."):
        yield ctx.error((*path, "Name"), f"{org.name!r} cannot name a channel config group: use "
                        "letters, digits, '.' and '-' only (no spaces or underscores)")
    if org.msp_id is not None and not MSP_ID.match(org.msp_id):
        yield ctx.error((*path, "MSPID"), f"{org.msp_id!r} cannot be used in policies "
                        "('<MSPID>.member'): use letters, digits, '.' and '-' only")
    yield from _domain(ctx, path, org)
    nodes = yield from _expand(ctx, path, org, prefix)
    yield from _hosts(ctx, path, org, nodes)
    if prefix == "orderer" and org.users.count:
        yield ctx.warning((*path, "Users", "Count"), "ignored for orderer orgs: cryptogen creates "
                          f"only Admin@{org.domain} there")
    if isinstance(org, PeerOrg):
        yield from _anchor_peers(ctx, path, org, nodes)
        if not nodes:
            yield ctx.warning(path, f"peer org {org.name!r} has no peers (set Template.Count or "
                                    "Specs)")
    for i, spec in enumerate(org.specs):
        ignored = [alias for field, alias in _SUBJECT_FIELDS if getattr(spec, field) is not None]
        if ignored:
            yield ctx.warning((*path, "Specs", i, ignored[0]), "cryptogen ignores subject fields "
                              "of nodes; set them under CA to change every certificate's subject")
    return nodes


def _domain(ctx: Context, path: Path, org: Organization) -> Iterator[Issue]:
    problem = label_problem(org.domain)
    if problem:
        yield ctx.error((*path, "Domain"), f"{problem}. The domain is the org's Kubernetes "
                        "namespace, and <host>.<domain> must resolve as <service>.<namespace>")
        return
    namespace = ctx.config.network.namespace_prefix + org.domain
    if len(namespace) > MAX_LABEL:
        yield ctx.error((*path, "Domain"), f"namespace {namespace!r} (NamespacePrefix + Domain) "
                        f"is longer than {MAX_LABEL} characters")
    if namespace == ctx.config.network.namespace_prefix + KAFKA_NAMESPACE:
        yield ctx.error((*path, "Domain"), f"{org.domain!r} is reserved for the Kafka and "
                        "ZooKeeper namespace")


def _expand(ctx: Context, path: Path, org: Organization, prefix: str) -> Found:
    """Expand nodes as cryptogen does, reporting each broken template where it is written."""
    nodes: list[ExpandedNode] = []
    for i, spec in enumerate(org.specs):
        if not spec.hostname:
            yield ctx.error((*path, "Specs", i), "Hostname is required in every Specs entry")
            continue
        try:
            nodes.append(expand_spec(org.domain, spec, (*path, "Specs", i)))
        except TemplateError as exc:
            yield ctx.error((*path, "Specs", i), str(exc))
    try:
        for i in range(org.template.count):
            spec = template_spec(org, prefix, i)
            nodes.append(expand_spec(org.domain, spec, (*path, "Template")))
    except TemplateError as exc:
        yield ctx.error((*path, "Template"), str(exc))
    for node in nodes:
        if node.key_algorithm is PublicKeyAlgorithm.ED25519:
            yield ctx.error(node.source, "PublicKeyAlgorithm ed25519 is not supported yet: "
                            "use ecdsa (the only algorithm Fabric 2.5 accepts)")
    try:
        expand_spec(org.domain, org.ca, (*path, "CA"), DEFAULT_CA_HOSTNAME)
    except TemplateError as exc:
        yield ctx.error((*path, "CA"), str(exc))
    return nodes


def _hosts(
    ctx: Context, path: Path, org: Organization, nodes: list[ExpandedNode]
) -> Iterator[Issue]:
    """Host names become Service names in the org namespace: labels, unique with the CA's."""
    ca_host = org.ca.hostname or DEFAULT_CA_HOSTNAME
    hosts: dict[str, Path] = {ca_host: (*path, "CA")}
    common_names: dict[str, Path] = {}
    problem = label_problem(ca_host)
    if problem:
        yield ctx.error((*path, "CA", "Hostname"), f"{problem}; it is a Kubernetes Service name")
    for node in nodes:
        problem = label_problem(node.hostname)
        if problem:
            yield ctx.error(node.source, f"host name {problem}; it is a Kubernetes Service name")
        elif node.hostname in RESERVED_HOSTS and node.hostname != ca_host:
            reserved = ", ".join(sorted(RESERVED_HOSTS))
            yield ctx.error(node.source, f"host name {node.hostname!r} is reserved in an org "
                            f"overlay ({reserved})")
        if node.hostname in hosts:
            yield ctx.error(node.source, f"host name {node.hostname!r} is also used by "
                            f"{ctx.where(hosts[node.hostname])} in org {org.name!r}")
        hosts.setdefault(node.hostname, node.source)
        if node.common_name in common_names:
            yield ctx.error(node.source, f"common name {node.common_name!r} is also used by "
                            f"{ctx.where(common_names[node.common_name])}")
        common_names.setdefault(node.common_name, node.source)


def _anchor_peers(
    ctx: Context, path: Path, org: PeerOrg, nodes: list[ExpandedNode]
) -> Iterator[Issue]:
    hosts = {n.hostname for n in nodes}
    seen: set[str] = set()
    for i, host in enumerate(org.anchor_peers or ()):
        where = (*path, "AnchorPeers", i)
        if host not in hosts:
            known = ", ".join(sorted(hosts)) or "none"
            yield ctx.error(where, f"anchor peer {host!r} is not a peer of org {org.name!r} "
                            f"(its peers: {known})")
        if host in seen:
            yield ctx.error(where, f"anchor peer {host!r} is listed twice")
        seen.add(host)
