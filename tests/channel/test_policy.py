"""Policy rules: the DSL and ImplicitMeta parsers against Fabric's own output and error cases."""

from __future__ import annotations

import pytest

from fabgitops.channel._pb import msp_principal, policies, serialize
from fabgitops.channel.policy import (
    PolicyRuleError,
    encode_policy,
    parse_implicit_meta,
    parse_signature,
    principals,
    validate_rule,
)
from fabgitops.model import Policy, PolicyType

# SignaturePolicyEnvelope bytes that common/policydsl.FromString produced for these rules, in
# both v2.5.16 (govaluate) and v3.1.5 (expr-lang), serialized deterministically.
FABRIC_OUTPUT = [
    ("OR('A.member', 'B.member')",
     "120c120a080112020800120208011a0512030a01411a0512030a0142"),
    ("AND('A.member', 'B.member')",
     "120c120a080212020800120208011a0512030a01411a0512030a0142"),
    ("OutOf(2, 'A.member', 'B.member')",
     "120c120a080212020800120208011a0512030a01411a0512030a0142"),
    ("OR('A.member', AND('B.member', 'C.member'))",
     "12161214080112020802120c120a080212020800120208011a0512030a01421a0512030a01431a0512030a0141"),
    ("OR(AND('A.member', 'B.member'), OR('C.admin', 'D.member'))",
     "1220121e0801120c120a08021202080012020801120c120a080112020802120208031a0512030a01411a05120"
     "30a01421a0712050a014310011a0512030a0144"),
    ("OR(AND('B.member','C.member'), 'A.member', AND('D.peer', 'E.client'))",
     "122412220801120c120a0802120208001202080112020804120c120a080212020802120208031a0512030a01"
     "421a0512030a01431a0712050a014410031a0712050a014510021a0512030a0141"),
    ("AND('A.peer', OutOf(2, 'B.admin', 'C.orderer', 'D.client'), 'A.peer')",
     "121e121c0803120208031210120e0802120208001202080112020802120208041a0712050a014210011a0712"
     "050a014310041a0712050a014410021a0712050a014110031a0712050a01411003"),
    ("OR('MSP.member', 'MSP.WITH.DOTS.member', 'MSP-WITH-DASHES.member')",
     "1210120e08011202080012020801120208021a0712050a034d53501a11120f0a0d4d53502e574954482e444f"
     "54531a1312110a0f4d53502d574954482d444153484553"),
    ("OutOf('1', 'A.member', 'B.member')",
     "120c120a080112020800120208011a0512030a01411a0512030a0142"),
    ("OutOf(0, 'A.member', 'B.member')",
     "120a120812020800120208011a0512030a01411a0512030a0142"),
    ("OutOf(3, 'A.member', 'B.member')",
     "120c120a080312020800120208011a0512030a01411a0512030a0142"),
    ("Or('A.member')", "120812060801120208001a0512030a0141"),
    ('OR("A.member", "B.peer")',
     "120c120a080112020800120208011a0512030a01411a0712050a01421003"),
    ("outof(1, 'A.member')", "120812060801120208001a0512030a0141"),
    ("OUTOF(1, 'A.member')", "120812060801120208001a0512030a0141"),
    ("And('A.admin')", "120812060801120208001a0712050a01411001"),
    ("OR  (  'A.member' ,'B.member' )",
     "120c120a080112020800120208011a0512030a01411a0512030a0142"),
    ("OutOf(2, 'A.member', OR('B.member', 'C.member'), 'D.member')",
     "121a1218080212020802120c120a08011202080012020801120208031a0512030a01421a0512030a01431a05"
     "12030a01411a0512030a0144"),
]


@pytest.mark.parametrize(("rule", "fabric_hex"), FABRIC_OUTPUT, ids=[r for r, _ in FABRIC_OUTPUT])
def test_signature_rules_encode_exactly_as_fabric(rule: str, fabric_hex: str) -> None:
    assert serialize(parse_signature(rule)).hex() == fabric_hex
    assert validate_rule(rule) is None


def _principals(rule: str) -> list[tuple[str, int]]:
    out = []
    for identity in parse_signature(rule).identities:
        assert identity.principal_classification == msp_principal.MSPPrincipal.ROLE
        role = msp_principal.MSPRole.FromString(identity.principal)
        out.append((role.msp_identifier, role.role))
    return out


def test_nested_gates_number_their_principals_first() -> None:
    # policyparser_test.go TestComplex1: A is referenced first but numbered last.
    envelope = parse_signature("OR('A.member', AND('B.member', 'C.member'))")
    assert [p for p, _ in _principals("OR('A.member', AND('B.member', 'C.member'))")] == \
        ["B", "C", "A"]
    outer = envelope.rule.n_out_of
    assert outer.n == 1
    assert outer.rules[0].signed_by == 2
    assert [r.signed_by for r in outer.rules[1].n_out_of.rules] == [0, 1]
    assert outer.rules[1].n_out_of.n == 2


def test_principals_are_not_deduplicated_and_roles_map_to_msprole() -> None:
    role = msp_principal.MSPRole
    assert _principals("OR('X.member', 'X.member', 'X.admin', 'X.client', 'X.peer', "
                       "'X.orderer')") == [
        ("X", role.MEMBER), ("X", role.MEMBER), ("X", role.ADMIN), ("X", role.CLIENT),
        ("X", role.PEER), ("X", role.ORDERER)]


BAD_RULES = [
    ("", "the rule is empty"),
    ("   ", "the rule is empty"),
    ("OR(", "found the end of the rule"),
    ("OR('A.member'", "expected ')'"),
    ("OutOf(1)", "needs at least one principal"),
    ("'A.member'", "not a bare principal"),
    ("XOR('A.member')", "unknown gate 'XOR'"),
    ("oR('A.member')", "unknown gate 'oR'"),
    ("or('A.member')", "lowercase 'or'"),
    ("and('A.member')", "lowercase 'and'"),
    ("OR('A_B.member')", "may contain only letters, digits"),
    ("OR('A.foo')", "role must be one of member, admin, client, peer, orderer"),
    ("OR('.member')", "is not a principal"),
    ("OR('A.member') x", "unexpected 'x' after the end of the rule"),
    ("OR()", "expected a principal"),
    ("OR('A.member',)", "expected a principal"),
    ("OR('A.member' 'B.member')", "expected ')' at column 15"),
    ("OR(A.member)", "unexpected character '.'"),
    ("OR('A.member', 1)", "expected a principal"),
    ("OutOf(1.5, 'A.member')", "unexpected character '.'"),
    ("OutOf('x', 'A.member')", "needs a number first"),
    ("OutOf(4, 'A.member', 'B.member')", "invalid t-out-of-n predicate in OutOf(...) at column 1: "
                                         "t 4, n 2"),
    ("OutOf(-1, 'A.member', 'B.member')", "t -1, n 2"),
    ("OR('A.member\")", "unexpected character"),
]


@pytest.mark.parametrize(("rule", "fragment"), BAD_RULES,
                         ids=[r or "<empty>" for r, _ in BAD_RULES])
def test_bad_signature_rules_are_explained(rule: str, fragment: str) -> None:
    with pytest.raises(PolicyRuleError) as exc:
        parse_signature(rule)
    assert fragment in str(exc.value)
    message = validate_rule(rule)
    assert message is not None
    assert message.startswith(f"invalid Signature rule {rule!r}: ")
    assert fragment in message


@pytest.mark.parametrize(("rule", "kind", "sub"), [
    ("ANY Readers", "ANY", "Readers"),
    ("ALL Writers", "ALL", "Writers"),
    ("MAJORITY Endorsement", "MAJORITY", "Endorsement"),
])
def test_implicit_meta_rules(rule: str, kind: str, sub: str) -> None:
    parsed = parse_implicit_meta(rule)
    assert parsed.sub_policy == sub
    assert parsed.rule == policies.ImplicitMetaPolicy.Rule.Value(kind)
    assert validate_rule(rule, PolicyType.IMPLICIT_META) is None


@pytest.mark.parametrize(("rule", "fragment"), [
    ("ANY", "but got 1"),
    ("ANY  Readers", "but got 3"),  # implicitmetaparser.go splits on single spaces
    ("SOME Readers", "unknown rule type 'SOME', expected ALL, ANY, or MAJORITY"),
    ("any Readers", "unknown rule type 'any'"),
    ("ANY ", "sub-policy name"),
])
def test_bad_implicit_meta_rules(rule: str, fragment: str) -> None:
    message = validate_rule(rule, PolicyType.IMPLICIT_META)
    assert message is not None
    assert fragment in message
    assert message.startswith("invalid ImplicitMeta rule")


def test_encode_policy_picks_the_policy_type() -> None:
    meta = encode_policy(Policy(type=PolicyType.IMPLICIT_META, rule="MAJORITY Admins"))
    assert meta.type == policies.Policy.IMPLICIT_META == 3
    assert policies.ImplicitMetaPolicy.FromString(meta.value).rule == \
        policies.ImplicitMetaPolicy.MAJORITY
    sig = encode_policy(Policy(type=PolicyType.SIGNATURE, rule="OR('A.member')"))
    assert sig.type == policies.Policy.SIGNATURE == 1
    assert sig.value.hex() == "120812060801120208001a0512030a0141"


def test_principals_are_read_by_the_parser_configtxgen_uses() -> None:
    assert sorted(principals("AND('Org1MSP.peer', OR('Org2.example.admin', 'Org1MSP.member'))")) \
        == [("Org1MSP", "member"), ("Org1MSP", "peer"), ("Org2.example", "admin")]
    with pytest.raises(PolicyRuleError):
        principals("OR('x')")
