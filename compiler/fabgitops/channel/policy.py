"""Channel policy rules encoded as configtxgen encodes configtx.yaml ``Policies``.

Two rule languages exist (internal/configtxgen/encoder/encoder.go ``AddPolicies``):

- ``ImplicitMeta``: ``"<ANY|ALL|MAJORITY> <SubPolicy>"`` (common/policies/implicitmetaparser.go).
- ``Signature``: the policy DSL, ``OR('Org1MSP.admin', AND('A.peer', 'B.peer'))`` or
  ``OutOf(2, ...)`` (common/policydsl/policyparser.go).

Fabric evaluates the DSL with an expression engine in three passes; this module parses the same
language with a small recursive-descent parser and reproduces its output, including two quirks
that change the encoded bytes: principals are never deduplicated, and they are numbered in the
order the engine *finishes* gates, so a nested gate's principals come before the principals of
the gate that contains it (policyparser_test.go ``TestComplex1``).

Fabric 2.5 (govaluate) and 3.x (expr-lang) accept slightly different texts; this parser accepts
what both accept (no lowercase and/or, no trailing comma, no text after the rule) and no
fractional thresholds, and encodes every accepted rule to the same bytes as both Go parsers.
"""

from __future__ import annotations

from fabgitops.channel._pb import Proto, msp_principal, policies, serialize
from fabgitops.channel.policy_dsl import (
    ROLES,
    Gate,
    PolicyRuleError,
    parse_gates,
    parse_implicit_meta_text,
    principals,
    validate_rule,
)
from fabgitops.model import Policy, PolicyType

__all__ = ["PolicyRuleError", "encode_policy", "parse_implicit_meta", "parse_signature",
           "principals", "validate_rule"]


def parse_signature(rule: str) -> Proto:
    """Encode a Signature rule as configtxgen does (policydsl.FromString).

    Returns:
        A ``common.SignaturePolicyEnvelope`` (version 0, identities in Fabric's order).

    Raises:
        PolicyRuleError: the rule is not valid policy DSL.
    """
    gate = parse_gates(rule)
    envelope = policies.SignaturePolicyEnvelope(version=0)
    envelope.rule.CopyFrom(_encode(gate, envelope))
    return envelope


def _encode(gate: Gate, envelope: Proto) -> Proto:
    # Nested gates run (and number their principals) before their parent's body does.
    nested = {i: _encode(arg, envelope) for i, arg in enumerate(gate.args)
              if isinstance(arg, Gate)}
    out = policies.SignaturePolicy()
    out.n_out_of.n = gate.threshold
    for i, arg in enumerate(gate.args):
        if isinstance(arg, Gate):
            out.n_out_of.rules.append(nested[i])
            continue
        role = msp_principal.MSPRole(msp_identifier=arg.msp_id,
                                     role=msp_principal.MSPRole.MSPRoleType.Value(ROLES[arg.role]))
        envelope.identities.add(principal_classification=msp_principal.MSPPrincipal.ROLE,
                                principal=serialize(role))
        out.n_out_of.rules.add(signed_by=len(envelope.identities) - 1)
    return out


def parse_implicit_meta(rule: str) -> Proto:
    """Encode an ImplicitMeta rule (``"MAJORITY Admins"``) as a ``common.ImplicitMetaPolicy``.

    Raises:
        PolicyRuleError: not two single-space separated words, or an unknown rule.
    """
    kind, sub_policy = parse_implicit_meta_text(rule)
    return policies.ImplicitMetaPolicy(
        sub_policy=sub_policy, rule=policies.ImplicitMetaPolicy.Rule.Value(kind))


def encode_policy(policy: Policy) -> Proto:
    """The ``common.Policy`` for a configtx.yaml policy (type SIGNATURE=1 or IMPLICIT_META=3).

    Raises:
        PolicyRuleError: the rule does not parse.
    """
    if policy.type is PolicyType.IMPLICIT_META:
        return policies.Policy(type=policies.Policy.IMPLICIT_META,
                               value=serialize(parse_implicit_meta(policy.rule)))
    return policies.Policy(type=policies.Policy.SIGNATURE,
                           value=serialize(parse_signature(policy.rule)))
