"""Prometheus rule groups: the compile-time inventory as recording rules, and the alerts.

Metric names and labels are Fabric's (``metrics.GaugeOpts``/``CounterOpts`` in v3.1.5:
``ledger_blockchain_height{channel}``, ``consensus_etcdraft_is_leader{channel}``,
``consensus_etcdraft_leader_changes{channel}``, ``consensus_BFT_is_leader{channel}``,
``consensus_BFT_leader_id{channel}``, ``endorser_proposals_received``,
``endorser_endorsement_failures{channel,chaincode,chaincodeerror}``,
``grpc_server_{unary,stream}_requests_completed{service,method,code}``). The scrape
configuration gives every target the labels of :mod:`fabgitops.monitoring.targets`
(``network``, ``org``, ``node``, ``role``), so each alert names its org and node, and the
channel where Fabric's metric has one.

What the metrics cannot know comes from the compile: each certificate's expiry
(``fabgitops_certificate_expiry_timestamp_seconds``) and which nodes should run, with their
channels (``fabgitops_node_info``). Both are constant recording rules, so the expiry alert
needs no exporter and a node that never came up still alerts as down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fabgitops.model import ConsensusType, Monitoring
from fabgitops.monitoring.inventory import Certificate
from fabgitops.plan import NodeKind, Org, Plan

Rule = dict[str, Any]
Group = dict[str, Any]

CERT_EXPIRY = "fabgitops_certificate_expiry_timestamp_seconds"
NODE_INFO = "fabgitops_node_info"
DAY = 86400
RATE_WINDOW = "5m"
# A cancelled stream is a client hanging up (deliver clients do it all the time), not a failure.
GRPC_OK_CODES = "OK|Canceled"
LEADER_METRICS = {ConsensusType.ETCDRAFT: "consensus_etcdraft_is_leader",
                  ConsensusType.BFT: "consensus_BFT_is_leader"}


@dataclass(frozen=True)
class Alert:
    """An alert and its runbook section (a README heading)."""

    name: str
    summary: str
    anchor: str


CERTIFICATE_EXPIRY = Alert("FabricCertificateExpiry", "certificate expires soon",
                           "fabriccertificateexpiry")
NO_LEADER = Alert("FabricConsensusNoLeader", "channel has no consensus leader",
                  "fabricconsensusnoleader")
LEADER_CHANGES = Alert("FabricConsensusLeaderChanges", "frequent consensus leader changes",
                       "fabricconsensusleaderchanges")
HEIGHT_LAG = Alert("FabricPeerHeightLag", "peer ledger behind its channel",
                   "fabricpeerheightlag")
NODE_DOWN = Alert("FabricNodeDown", "Fabric node down", "fabricnodedown")
ENDORSEMENT_FAILURES = Alert("FabricEndorsementFailures", "endorsements failing",
                             "fabricendorsementfailures")
GRPC_ERRORS = Alert("FabricGrpcErrors", "gRPC calls failing", "fabricgrpcerrors")
ALERTS = (CERTIFICATE_EXPIRY, NO_LEADER, LEADER_CHANGES, HEIGHT_LAG, NODE_DOWN,
          ENDORSEMENT_FAILURES, GRPC_ERRORS)


def org_groups(plan: Plan, org: Org, certificates: Sequence[Certificate],
               settings: Monitoring) -> list[Group]:
    """The rule groups of one org: its inventory and the alerts about its nodes.

    The network-wide "no leader" alert goes with the first orderer org, so that it exists once.
    """
    selector = f'network="{plan.network_name}", org="{org.namespace}"'
    alerts = [*_certificate_alerts(plan, org, settings), _down(plan, org, selector, settings)]
    if org.kind is NodeKind.PEER:
        alerts += [_height_lag(plan, selector, settings), _endorsement(selector, settings)]
    else:
        alerts += _leader_changes(plan, selector, settings)
    alerts.append(_grpc_errors(plan, selector, settings))
    for rule in alerts:
        # The org label (which the series carry anyway) keeps the orgs' copies of an alert
        # apart in one rule file (promtool rejects identical name-and-labels pairs).
        rule["labels"]["org"] = org.namespace
    return [
        {"name": f"fabgitops-{org.namespace}-inventory",
         "rules": [*_certificate_series(plan, certificates), *_node_series(plan, org)]},
        {"name": f"fabgitops-{org.namespace}-alerts", "rules": alerts},
    ] + ([{"name": f"fabgitops-{plan.network_name}-consensus", "rules": _no_leader(plan, settings)}]
         if plan.orderer_orgs and plan.orderer_orgs[0].name == org.name
         and plan.consensus.type in LEADER_METRICS else [])


def _labels(plan: Plan, org: Org, **extra: str) -> dict[str, str]:
    return {"network": plan.network_name, "org": org.namespace, **extra}


def _certificate_series(plan: Plan, certificates: Sequence[Certificate]) -> list[Rule]:
    return [{"record": CERT_EXPIRY, "expr": f"vector({c.expiry_timestamp})",
             "labels": {"network": plan.network_name, "org": c.namespace, "node": c.node,
                        "kind": c.kind, "certificate": c.path, "subject": c.subject}}
            for c in certificates]


def _node_series(plan: Plan, org: Org) -> list[Rule]:
    """One series per node that should run, with its channels (``,``-joined)."""
    channels = ",".join(org.channels) or "none"
    return [{"record": NODE_INFO, "expr": "vector(1)",
             "labels": _labels(plan, org, node=node.hostname, role=node.kind.value,
                               channels=channels)}
            for node in org.nodes]


def _alert(alert: Alert, expr: str, duration: str | None, severity: str, description: str,
           settings: Monitoring) -> Rule:
    rule: Rule = {"alert": alert.name, "expr": expr}
    if duration:
        rule["for"] = duration
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {"summary": alert.summary, "description": description,
                           "runbook_url": f"{settings.runbook_url}#{alert.anchor}"}
    return rule


def _certificate_alerts(plan: Plan, org: Org, settings: Monitoring) -> list[Rule]:
    limits = settings.thresholds
    series = f'{CERT_EXPIRY}{{network="{plan.network_name}", org="{org.namespace}"}}'
    channels = ", ".join(org.channels) or "no channel"
    description = (
        "The {{ $labels.kind }} certificate {{ $labels.subject }} of {{ $labels.node }} in org "
        "{{ $labels.org }} (keystore {{ $labels.certificate }}; the org is in: " + channels +
        ") expires in {{ $value | humanizeDuration }}. Run `fabgitops compile --renew` and "
        "let the GitOps engine apply it.")
    left = f"({series} - time())"
    return [
        _alert(CERTIFICATE_EXPIRY, f"{left} < {limits.certificate_warning_days * DAY} and "
               f"{left} >= {limits.certificate_critical_days * DAY}", None, "warning",
               description, settings),
        _alert(CERTIFICATE_EXPIRY, f"{left} < {limits.certificate_critical_days * DAY}", None,
               "critical", description, settings),
    ]


def _down(plan: Plan, org: Org, selector: str, settings: Monitoring) -> Rule:
    expr = (f'{NODE_INFO}{{{selector}, role=~"peer|orderer"}} unless on (network, org, node) '
            f"(up{{{selector}}} == 1)")
    return _alert(NODE_DOWN, expr, settings.thresholds.down_for, "critical",
                  "{{ $labels.role }} {{ $labels.node }} of org {{ $labels.org }} (channels "
                  "{{ $labels.channels }}) has not been scraped successfully for "
                  f"{settings.thresholds.down_for}.", settings)


def _height_lag(plan: Plan, selector: str, settings: Monitoring) -> Rule:
    limits = settings.thresholds
    expr = (f'max by (network, channel) (ledger_blockchain_height{{network="{plan.network_name}"}})'
            f" - on (network, channel) group_right () "
            f'ledger_blockchain_height{{{selector}, role="peer"}} > {limits.height_lag_blocks}')
    return _alert(HEIGHT_LAG, expr, limits.height_lag_for, "warning",
                  "Peer {{ $labels.node }} of org {{ $labels.org }} is {{ $value }} blocks "
                  "behind the highest node of channel {{ $labels.channel }}.", settings)


def _endorsement(selector: str, settings: Monitoring) -> Rule:
    limits = settings.thresholds
    expr = (f"sum by (network, org, node, channel) "
            f"(rate(endorser_endorsement_failures{{{selector}}}[{RATE_WINDOW}])) "
            f"/ on (network, org, node) group_left () sum by (network, org, node) "
            f"(rate(endorser_proposals_received{{{selector}}}[{RATE_WINDOW}])) "
            f"> {limits.endorsement_failure_ratio}")
    return _alert(ENDORSEMENT_FAILURES, expr, limits.errors_for, "warning",
                  "{{ $value | humanizePercentage }} of the proposals peer {{ $labels.node }} "
                  "of org {{ $labels.org }} received failed endorsement on channel "
                  "{{ $labels.channel }}.", settings)


def _grpc_errors(plan: Plan, selector: str, settings: Monitoring) -> Rule:
    limits = settings.thresholds
    completed = '__name__=~"grpc_server_(unary|stream)_requests_completed"'
    failed = (f"sum by (network, org, node) (rate({{{completed}, {selector}, "
              f'code!~"{GRPC_OK_CODES}"}}[{RATE_WINDOW}]))')
    total = f"sum by (network, org, node) (rate({{{completed}, {selector}}}[{RATE_WINDOW}]))"
    expr = (f"({failed} / {total} > {limits.grpc_error_ratio}) "
            f"* on (network, org, node) group_left (role, channels) {NODE_INFO}")
    return _alert(GRPC_ERRORS, expr, limits.errors_for, "warning",
                  "{{ $value | humanizePercentage }} of the gRPC calls to {{ $labels.role }} "
                  "{{ $labels.node }} of org {{ $labels.org }} (channels "
                  "{{ $labels.channels }}) end with an error.", settings)


def _leader_changes(plan: Plan, selector: str, settings: Monitoring) -> list[Rule]:
    limits = settings.thresholds
    window = limits.leader_changes_window
    if plan.consensus.type is ConsensusType.ETCDRAFT:
        changes = f"increase(consensus_etcdraft_leader_changes{{{selector}}}[{window}])"
    elif plan.consensus.type is ConsensusType.BFT:
        changes = f"changes(consensus_BFT_leader_id{{{selector}}}[{window}])"
    else:
        return []  # kafka and solo have no leader
    return [_alert(LEADER_CHANGES, f"{changes} > {limits.leader_changes}", None, "warning",
                   "Orderer {{ $labels.node }} of org {{ $labels.org }} saw {{ $value }} "
                   f"leader changes on channel {{{{ $labels.channel }}}} within {window}.",
                   settings)]


def _no_leader(plan: Plan, settings: Monitoring) -> list[Rule]:
    metric = LEADER_METRICS.get(plan.consensus.type)
    if metric is None:
        return []
    orgs = ", ".join(o.namespace for o in plan.orderer_orgs)
    expr = f'max by (network, channel) ({metric}{{network="{plan.network_name}"}}) < 1'
    return [_alert(NO_LEADER, expr, settings.thresholds.no_leader_for, "critical",
                   "No orderer of network {{ $labels.network }} (orderer orgs " + orgs +
                   ") is the leader of channel {{ $labels.channel }}: the channel orders no "
                   "transactions.", settings)]
