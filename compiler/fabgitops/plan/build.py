"""Building the plan from a configuration that passed the schema.

``build`` expands every org as cryptogen would and gives each value its :class:`Source`. What
cannot be expanded (a broken template, a size Fabric cannot read) is reported as a located
issue and left out; the semantic rules (``fabgitops.rules``) then check the plan, and a plan
with errors never reaches a later stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fabgitops import model
from fabgitops.errors import Issue, Severity
from fabgitops.model import ClusterConfig, Expose, PublicKeyAlgorithm
from fabgitops.naming import (
    DEFAULT_CA_HOSTNAME,
    ExpandedNode,
    TemplateError,
    expand_spec,
    template_spec,
    user_common_names,
)
from fabgitops.plan.addresses import (
    NodePortBand,
    cluster_names,
    dedupe_names,
    external_host,
    kafka_cluster,
    plan_node,
)
from fabgitops.plan.channel_policies import app_policies, org_policies
from fabgitops.plan.types import (
    CA_PORT,
    DEFAULT_CHANNEL,
    IMAGES,
    KAFKA_NAMESPACE,
    CAServer,
    Channel,
    Consensus,
    Endpoint,
    Identity,
    NodeKind,
    Org,
    Plan,
    Role,
    Source,
    SourcePath,
    Subject,
    namespace_of,
)
from fabgitops.units import parse_size
from fabgitops.yamlio import Document

# The whole network's nodes and users (fabgitops.model.base says why limits exist): 1000
# peer orgs x (10 peers + a user or two) fits with room for twice the users.
MAX_NODES_TOTAL = 25_000
_SUBJECT_FIELDS = (
    ("country", "Country"),
    ("province", "Province"),
    ("locality", "Locality"),
    ("organizational_unit", "OrganizationalUnit"),
    ("street_address", "StreetAddress"),
    ("postal_code", "PostalCode"),
)


def build(config: ClusterConfig, doc: Document) -> tuple[Plan, tuple[Issue, ...]]:
    """Expand a configuration into a plan, with the issues found while expanding it.

    Args:
        config: a configuration that passed the schema and the model.
        doc: the document it was read from, which locates every plan value.

    Returns:
        The plan (without what could not be expanded) and the located issues; the plan is
        only usable when no issue is an error.
    """
    builder = _Builder(config, doc)
    return builder.plan(), tuple(builder.issues)


@dataclass
class _Builder:
    config: ClusterConfig
    doc: Document
    issues: list[Issue] = field(default_factory=list)

    def source(self, path: SourcePath) -> Source:
        line, column = self.doc.locate(path)
        return Source(self.doc.source, line, column, path)

    def report(self, path: SourcePath, message: str,
               severity: Severity = Severity.ERROR) -> None:
        self.issues.append(self.doc.issue(path, message, severity=severity))

    def plan(self) -> Plan:
        config = self.config
        total = sum(len(o.specs) + o.template.count + o.users.count
                    for o in (*config.orderer_orgs, *config.peer_orgs))
        expand = total <= MAX_NODES_TOTAL
        if not expand:
            # Checked before expanding: a typo in a Count must not cost minutes of expansion.
            self.report((), f"the network has {total} nodes and users, more than the limit of "
                            f"{MAX_NODES_TOTAL} (a typo in a Count?)")
        channels = self.channels()
        orgs = tuple(self.org(o, NodeKind.ORDERER, i, channels, expand)
                     for i, o in enumerate(config.orderer_orgs))
        peer_orgs = tuple(self.org(o, NodeKind.PEER, i, channels, expand)
                          for i, o in enumerate(config.peer_orgs))
        version = config.network.fabric_version
        overrides = config.network.images.model_dump(exclude_none=True)
        prefix = config.network.namespace_prefix
        return Plan(
            network_name=config.network.name,
            fabric_version=version,
            cluster_domain=config.network.cluster_domain,
            orderer_orgs=orgs,
            peer_orgs=peer_orgs,
            channels=channels,
            consensus=self.consensus(config.consensus),
            kafka=kafka_cluster(config, namespace_of(prefix, KAFKA_NAMESPACE)),
            images={**IMAGES[version], **overrides},
            namespace_prefix=prefix,
            kubernetes=config.kubernetes,
            git_ops=config.git_ops,
            secrets=config.secrets,
            keystore=config.keystore,
            chaincodes=config.chaincodes,
            monitoring=config.monitoring,
        )

    def channels(self) -> tuple[Channel, ...]:
        """The configured channels, or ``mychannel`` with every peer org."""
        config = self.config
        orderer_names = tuple(o.name for o in config.orderer_orgs)
        if config.channels is None:
            if not config.peer_orgs:
                return ()
            default = model.Channel(name=DEFAULT_CHANNEL,
                                    organizations=tuple(o.name for o in config.peer_orgs))
            entries: list[tuple[model.Channel, SourcePath]] = [(default, ("Channels",))]
        else:
            entries = [(c, ("Channels", i)) for i, c in enumerate(config.channels)]
        return tuple(
            Channel(c.name, c.organizations, orderer_names, app_policies(c), dict(c.acls or {}),
                    self.source(path))
            for c, path in entries
        )

    def org(self, org: model.Organization, kind: NodeKind, index: int,
            channels: tuple[Channel, ...], expand: bool) -> Org:
        config = self.config
        path: SourcePath = ("OrdererOrgs" if kind is NodeKind.ORDERER else "PeerOrgs", index)
        namespace = namespace_of(config.network.namespace_prefix, org.domain)
        bands = NodePortBand(config.kubernetes.node_port, kind, index + 1)
        expanded = self.expand_nodes(org, kind, path) if expand else []
        nodes = tuple(
            plan_node(config, namespace, kind, i, node, self.source(node.source),
                  bands if config.kubernetes.expose is Expose.NODE_PORT else None)
            for i, node in enumerate(expanded)
        )
        if kind is NodeKind.ORDERER and org.users.count:
            self.report((*path, "Users", "Count"), "ignored for orderer orgs: cryptogen creates "
                        f"only Admin@{org.domain} there", Severity.WARNING)
        user_count = org.users.count if kind is NodeKind.PEER and expand else 0
        users = tuple(
            Identity(cn, Role.ADMIN if cn.startswith("Admin@") and org.enable_node_ous
                     else Role.CLIENT, (),
                     org.users.public_key_algorithm or PublicKeyAlgorithm.ECDSA)
            for cn in user_common_names(org.domain, user_count)
        )
        msp_id = org.msp_id or f"{org.name}MSP"
        anchor_peers: tuple[str, ...] = ()
        state_db = None
        if isinstance(org, model.PeerOrg):
            first = tuple(n.hostname for n in nodes[:1])
            anchor_peers = first if org.anchor_peers is None else org.anchor_peers
            state_db = org.state_database
        return Org(
            name=org.name,
            msp_id=msp_id,
            domain=org.domain,
            namespace=namespace,
            kind=kind,
            number=index + 1,
            enable_node_ous=org.enable_node_ous,
            ca=self.ca_server(org, namespace, path, bands),
            nodes=nodes,
            users=users,
            anchor_peers=anchor_peers,
            state_database=state_db,
            policies=org_policies(org, kind, msp_id),
            channels=tuple(c.name for c in channels if kind is NodeKind.ORDERER or
                           org.name in c.peer_orgs),
            source=self.source(path),
            msp_id_configured=org.msp_id is not None,
            anchor_peers_configured=isinstance(org, model.PeerOrg) and
            org.anchor_peers is not None,
            external=org.external,
            bundle=org.bundle,
            cluster=org.cluster,
        )

    def expand_nodes(self, org: model.Organization, kind: NodeKind,
                     path: SourcePath) -> list[ExpandedNode]:
        """``Specs`` then ``Template`` (cryptogen's order), reporting each broken entry where
        it is written and leaving it out."""
        nodes: list[ExpandedNode] = []
        for i, spec in enumerate(org.specs):
            where = (*path, "Specs", i)
            ignored = [alias for name, alias in _SUBJECT_FIELDS if getattr(spec, name) is not None]
            if ignored:
                self.report((*where, ignored[0]), "cryptogen ignores subject fields of nodes; "
                            "set them under CA to change every certificate's subject",
                            Severity.WARNING)
            if not spec.hostname:
                self.report(where, "Hostname is required in every Specs entry")
                continue
            try:
                nodes.append(expand_spec(org.domain, spec, where))
            except TemplateError as exc:
                self.report(where, str(exc))
        try:
            for i in range(org.template.count):
                spec = template_spec(org, kind.value, i)
                nodes.append(expand_spec(org.domain, spec, (*path, "Template")))
        except TemplateError as exc:
            self.report((*path, "Template"), str(exc))
        return nodes

    def ca_server(self, org: model.Organization, namespace: str, path: SourcePath,
                  bands: NodePortBand) -> CAServer:
        config = self.config
        where = (*path, "CA")
        try:
            expanded = expand_spec(org.domain, org.ca, where, DEFAULT_CA_HOSTNAME)
        except TemplateError as exc:
            self.report(where, str(exc))
            fallback = org.ca.hostname or DEFAULT_CA_HOSTNAME
            expanded = ExpandedNode(fallback, f"{fallback}.{org.domain}", (),
                                    PublicKeyAlgorithm.ECDSA, where)
        spec = org.ca
        subject = Subject(
            country=spec.country or Subject.country,
            province=spec.province or Subject.province,
            locality=spec.locality or Subject.locality,
            organizational_unit=spec.organizational_unit or None,
            street_address=spec.street_address or None,
            postal_code=spec.postal_code or None,
        )
        node_port = bands.start if config.kubernetes.expose is Expose.NODE_PORT else None
        host = external_host(config, expanded.hostname, namespace)
        sans = dedupe_names([*expanded.sans, *cluster_names(config, expanded.hostname, namespace),
                        host or "", "localhost"])
        return CAServer(
            hostname=expanded.hostname,
            common_name=expanded.common_name,
            subject=subject,
            key_algorithm=expanded.key_algorithm,
            address=Endpoint(f"{expanded.hostname}.{namespace}", CA_PORT),
            tls_sans=sans,
            node_port=node_port,
            external_host=host,
            source=self.source(where),
        )

    def size(self, path: SourcePath, value: int | str) -> int:
        """A size in bytes; a size Fabric cannot read, or zero, is reported and taken as 0."""
        try:
            size = parse_size(value)
        except ValueError as exc:
            self.report(path, str(exc))
            return 0
        if size == 0:
            self.report(path, "must be more than 0 bytes")
        return size

    def consensus(self, consensus: model.Consensus) -> Consensus:
        size = consensus.batch_size
        path = ("Consensus", "BatchSize")
        return Consensus(
            type=consensus.type,
            batch_timeout=consensus.batch_timeout,
            max_message_count=size.max_message_count,
            absolute_max_bytes=self.size((*path, "AbsoluteMaxBytes"), size.absolute_max_bytes),
            preferred_max_bytes=self.size((*path, "PreferredMaxBytes"),
                                          size.preferred_max_bytes),
            etcdraft=consensus.etcd_raft,
            smartbft=consensus.smart_bft,
        )
