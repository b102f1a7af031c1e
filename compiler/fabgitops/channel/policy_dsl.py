"""Channel policy rule texts, parsed exactly as configtxgen parses configtx.yaml ``Policies``.

Parsing only: :mod:`fabgitops.channel.policy` encodes the result as protobuf. Config validation
checks every rule with :func:`validate_rule` and must not import protobuf to do so.

Two rule languages exist (internal/configtxgen/encoder/encoder.go ``AddPolicies``):

- ``ImplicitMeta``: ``"<ANY|ALL|MAJORITY> <SubPolicy>"`` (common/policies/implicitmetaparser.go).
- ``Signature``: the policy DSL, ``OR('Org1MSP.admin', AND('A.peer', 'B.peer'))`` or
  ``OutOf(2, ...)`` (common/policydsl/policyparser.go).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fabgitops.model import PolicyType

# policyparser.go FromString registers each gate in three spellings. Lowercase "and"/"or" work
# in 2.5 (govaluate) but are operators of expr-lang in 3.x ("unexpected token Operator"), so only
# the spellings both versions read are accepted.
_GATES = {
    "AND": "and", "And": "and",
    "OR": "or", "Or": "or",
    "OUTOF": "outof", "OutOf": "outof", "outof": "outof",
}
# policyparser.go `regex`: an MSP ID of ASCII letters, digits, dots and dashes, then a role.
_PRINCIPAL = re.compile(r"^([A-Za-z0-9.-]+)\.(admin|member|client|peer|orderer)$")
ROLES = {"member": "MEMBER", "admin": "ADMIN", "client": "CLIENT", "peer": "PEER",
          "orderer": "ORDERER"}
_TOKEN = re.compile(r"""\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<num>-?[0-9]+)
                        |(?P<str>'[^']*'|"[^"]*")|(?P<punct>[(),]))""", re.X)
# implicitmetaparser.go: exactly one space between the rule and the sub-policy name.
_IMPLICIT_RULES = ("ANY", "ALL", "MAJORITY")


class PolicyRuleError(ValueError):
    """A policy rule that configtxgen would reject; the message says why and where."""


@dataclass(frozen=True)
class Principal:
    msp_id: str
    role: str


@dataclass(frozen=True)
class Gate:
    threshold: int
    args: tuple[Gate | Principal, ...]


class Parser:
    """Recursive descent over ``gate := NAME '(' arg (',' arg)* ')'``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                column = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise PolicyRuleError(f"unexpected character {text[column]!r} at column "
                                      f"{column + 1}")
            kind = match.lastgroup or ""
            value = match.group(kind)
            self.tokens.append((kind, value, match.start(kind) + 1))
            pos = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str, int]:
        if self.index < len(self.tokens):
            return self.tokens[self.index]
        return ("end", "", len(self.text) + 1)

    def take(self, kind: str, value: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            wanted = repr(value) if value else {"name": "a gate", "num": "a number"}.get(kind, kind)
            raise PolicyRuleError(f"expected {wanted} at column {token[2]}, found "
                                  f"{_describe(token)}")
        self.index += 1
        return token

    def rule(self) -> Gate:
        if not self.tokens:
            raise PolicyRuleError("the rule is empty; write e.g. OR('Org1MSP.member')")
        gate = self.gate()
        if self.index != len(self.tokens):
            raise PolicyRuleError(f"unexpected {_describe(self.peek())} after the end of the rule")
        return gate

    def gate(self) -> Gate:
        kind, name, column = self.peek()
        if kind != "name":
            if kind == "str":
                raise PolicyRuleError(f"the rule must be a gate such as OR({name}), not a bare "
                                      "principal")
            raise PolicyRuleError(f"expected a gate (AND, OR, OutOf) at column {column}, found "
                                  f"{_describe(self.peek())}")
        gate = _GATES.get(name)
        if name in ("and", "or"):
            raise PolicyRuleError(f"lowercase {name!r} at column {column} is an operator in "
                                  f"Fabric 3.x; write {name.upper()} or {name.capitalize()}")
        if gate is None:
            raise PolicyRuleError(f"unknown gate {name!r} at column {column}; use AND, OR or "
                                  "OutOf (also And, Or, OUTOF, outof)")
        self.index += 1
        self.take("punct", "(")
        threshold = self.threshold(name) if gate == "outof" else None
        args: list[Gate | Principal] = []
        while True:
            args.append(self.argument())
            if self.peek()[:2] != ("punct", ","):
                break
            self.index += 1
        self.take("punct", ")")
        n = len(args)
        t = {"and": n, "or": 1}.get(gate, threshold or 0)
        # policyparser.go secondPass: 0 <= t <= n+1; t = n+1 is allowed on purpose (a policy
        # nobody can satisfy, e.g. for an immutable key).
        if t < 0 or t > n + 1:
            raise PolicyRuleError(f"invalid t-out-of-n predicate in {name}(...) at column "
                                  f"{column}: t {t}, n {n}")
        return Gate(t, tuple(args))

    def threshold(self, name: str) -> int:
        kind, value, column = self.peek()
        # policyparser.go outof(): the count may be a number or a string holding one
        # (TestOutOfNumIsString).
        if kind == "str" and re.fullmatch(r"-?[0-9]+", value[1:-1]):
            value = value[1:-1]
        elif kind != "num":
            raise PolicyRuleError(f"{name} needs a number first, at column {column}: found "
                                  f"{_describe(self.peek())}")
        self.index += 1
        if self.peek()[:2] != ("punct", ","):
            raise PolicyRuleError(f"{name}({value}) needs at least one principal or gate after "
                                  "the number")
        self.index += 1
        return int(value)

    def argument(self) -> Gate | Principal:
        kind, value, column = self.peek()
        if kind == "name":
            return self.gate()
        if kind != "str":
            raise PolicyRuleError(f"expected a principal such as 'Org1MSP.member' or a gate at "
                                  f"column {column}, found {_describe(self.peek())}")
        self.index += 1
        match = _PRINCIPAL.match(value[1:-1])
        if match is None:
            raise PolicyRuleError(
                f"{value} at column {column} is not a principal 'MSPID.role': the MSP ID may "
                "contain only letters, digits, '.' and '-', and the role must be one of member, "
                "admin, client, peer, orderer")
        return Principal(match.group(1), match.group(2))


def _describe(token: tuple[str, str, int]) -> str:
    return "the end of the rule" if token[0] == "end" else repr(token[1])


def parse_gates(rule: str) -> Gate:
    """The gate tree of a Signature rule (policydsl.FromString's grammar).

    Raises:
        PolicyRuleError: the rule is not valid policy DSL.
    """
    return Parser(rule).rule()


def gate_principals(gate: Gate) -> list[Principal]:
    """The principals of a gate tree in the order Fabric numbers them: a nested gate's before
    those of the gate that contains it (policyparser_test.go ``TestComplex1``)."""
    nested = [p for arg in gate.args if isinstance(arg, Gate) for p in gate_principals(arg)]
    return nested + [arg for arg in gate.args if isinstance(arg, Principal)]


def principals(rule: str) -> list[tuple[str, str]]:
    """The ``(MSP ID, role)`` of every principal of a Signature rule, in encoding order.

    Raises:
        PolicyRuleError: the rule does not parse.
    """
    return [(p.msp_id, p.role) for p in gate_principals(parse_gates(rule))]


def parse_implicit_meta_text(rule: str) -> tuple[str, str]:
    """The rule type and sub-policy of an ImplicitMeta rule (``"MAJORITY Admins"``).

    Raises:
        PolicyRuleError: not two single-space separated words, or an unknown rule.
    """
    args = rule.split(" ")
    if len(args) != 2:
        raise PolicyRuleError(f"expected two words separated by one space, such as "
                              f"'MAJORITY Admins', but got {len(args)}")
    if args[0] not in _IMPLICIT_RULES:
        raise PolicyRuleError(f"unknown rule type {args[0]!r}, expected ALL, ANY, or MAJORITY")
    if not args[1]:
        # Fabric would accept an empty sub-policy name, which no policy can ever satisfy.
        raise PolicyRuleError("the sub-policy name after the rule type is empty")
    return args[0], args[1]


def validate_rule(rule: str, policy_type: PolicyType = PolicyType.SIGNATURE) -> str | None:
    """Why configtxgen would reject a rule, or None when it is valid.

    Config validation calls this to report a bad rule at its location in the cluster-config,
    before any artifact is built.
    """
    try:
        if policy_type is PolicyType.IMPLICIT_META:
            parse_implicit_meta_text(rule)
        else:
            parse_gates(rule)
    except PolicyRuleError as exc:
        return f"invalid {policy_type.value} rule {rule!r}: {exc}"
    return None
