"""Who must sign a config update: local evaluation of the channel's policies.

The orderer evaluates, for every element an update modifies, the existing element's mod_policy
against the update's ConfigSignatures (common/configtx/update.go verifyDeltaSet, policyForItem).
This module does the same with the identities fabgitops holds keys for (the org admins):

- a relative mod_policy resolves in the element's parent group, or in the group itself for a
  group; ``/Channel/...`` is absolute; a relative name may name a sub-group's policy
  (``Org1/Admins``) as Fabric's policy manager allows;
- ImplicitMeta: ANY = 1, ALL = n, MAJORITY = n/2 + 1 of the sub-groups' policies of that name,
  0 when there are no sub-groups (common/policies/implicitmeta.go); a missing sub-policy rejects;
- Signature: common/cauthdsl/cauthdsl.go ``compile``, including its "each signature is used at
  most once" bookkeeping;
- principals: ROLE ``MEMBER`` is any identity of the MSP, ``ADMIN`` an admin (the admin OU or an
  admincert); IDENTITY matches the serialized identity byte for byte; anything else (OU, etc.)
  is never satisfied by an admin here.

``choose_signers`` then signs with as few admins as the policies need: add candidates in order
until every policy holds, then drop every signer the policies hold without.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fabgitops.channel._pb import Proto, identities, msp_config, msp_principal, policies
from fabgitops.channel.configmap import GROUP, ROOT, Element

ROLE_MEMBER = 0  # msp_principal.MSPRole.MEMBER
ROLE_ADMIN = 1


@dataclass(frozen=True)
class Signer:
    """An identity whose key fabgitops holds: an org admin."""

    msp_id: str
    name: str
    """For people: ``Admin@org1``."""
    cert_pem: bytes
    roles: frozenset[int] = frozenset({ROLE_MEMBER, ROLE_ADMIN})

    @property
    def serialized(self) -> bytes:
        """The SerializedIdentity a signature header carries."""
        data: bytes = identities.SerializedIdentity(
            mspid=self.msp_id, id_bytes=self.cert_pem).SerializeToString(deterministic=True)
        return data


@dataclass(frozen=True)
class Requirement:
    """One policy an update must satisfy: the element it guards and where it lives."""

    element: str
    """Fabric's key of the modified element (``[Group]  /Channel/Application``)."""
    policy: str
    """The absolute policy path (``/Channel/Application/Admins``)."""
    rule: str
    """The policy, readable (``MAJORITY Admins``, ``OutOf(1, 'Org1MSP.admin')``)."""


class Unsatisfiable(ValueError):
    """No set of the available signers satisfies a policy."""


def policy_path(element: Element) -> str:
    """The absolute path of the policy that guards changes to an existing element."""
    mod = element.mod_policy
    if mod.startswith("/"):
        return mod
    base = (*element.path, element.name) if element.kind == GROUP else element.path
    return "/" + "/".join((*base, mod)) if base else "/" + mod


def requirements(changed: Sequence[tuple[Element, Element | None]],
                 config: Proto) -> list[Requirement]:
    """The policies to satisfy for the modified elements (existing ones only, as Fabric)."""
    out = []
    for _, existing in changed:
        if existing is None:
            continue
        path = policy_path(existing)
        out.append(Requirement(existing.key, path, describe(config.channel_group, path)))
    return out


def _locate(root: Proto, path: str) -> tuple[list[Proto], Proto | None]:
    """The chain of groups to the policy's group and the ConfigPolicy (None if missing)."""
    parts = path.strip("/").split("/")
    if not parts or parts[0] != ROOT:
        return [root], None
    groups = [root]
    for part in parts[1:-1]:
        if part not in groups[-1].groups:
            return groups, None
        groups.append(groups[-1].groups[part])
    found = groups[-1].policies.get(parts[-1]) if len(parts) > 1 else None
    return groups, found


def evaluate(root: Proto, path: str, signers: Sequence[Signer]) -> bool:
    """Whether ``signers`` satisfy the policy at absolute ``path`` of channel group ``root``."""
    groups, config_policy = _locate(root, path)
    if config_policy is None or not config_policy.HasField("policy"):
        return False
    policy = config_policy.policy
    if policy.type == policies.Policy.IMPLICIT_META:
        meta = policies.ImplicitMetaPolicy.FromString(policy.value)
        subs = sorted(groups[-1].groups)
        threshold = {policies.ImplicitMetaPolicy.ANY: 1, policies.ImplicitMetaPolicy.ALL: len(subs),
                     policies.ImplicitMetaPolicy.MAJORITY: len(subs) // 2 + 1}[meta.rule]
        if not subs:
            threshold = 0
        base = path.rsplit("/", 1)[0]
        met = sum(evaluate(root, f"{base}/{sub}/{meta.sub_policy}", signers) for sub in subs)
        return met >= threshold
    if policy.type == policies.Policy.SIGNATURE:
        envelope = policies.SignaturePolicyEnvelope.FromString(policy.value)
        known = _msp_ids(root)
        present = _dedup([s for s in signers if s.msp_id in known])
        return _signature(envelope.rule, list(envelope.identities), present, [False] * len(present))
    return False


def _dedup(signers: list[Signer]) -> list[Signer]:
    # policy.go SignatureSetToValidIdentities: one entry per MSP ID + identity.
    seen: set[bytes] = set()
    out = []
    for signer in signers:
        if signer.serialized not in seen:
            seen.add(signer.serialized)
            out.append(signer)
    return out


def _msp_ids(group: Proto) -> set[str]:
    # An identity counts only if its MSP is one of the channel's (the MSP manager knows it).
    found: set[str] = set()
    if "MSP" in group.values:
        mspconf = msp_config.MSPConfig.FromString(group.values["MSP"].value)
        found.add(msp_config.FabricMSPConfig.FromString(mspconf.config).name)
    for sub in group.groups.values():
        found |= _msp_ids(sub)
    return found


def _signature(rule: Proto, principals: list[Proto], signers: list[Signer],
               used: list[bool]) -> bool:
    if rule.HasField("signed_by"):
        if not 0 <= rule.signed_by < len(principals):
            return False
        for i, signer in enumerate(signers):
            if not used[i] and _satisfies(signer, principals[rule.signed_by]):
                used[i] = True
                return True
        return False
    verified = 0
    for sub in rule.n_out_of.rules:
        trial = list(used)
        if _signature(sub, principals, signers, trial):
            verified += 1
            used[:] = trial
    return bool(verified >= rule.n_out_of.n)


def _satisfies(signer: Signer, principal: Proto) -> bool:
    kind = principal.principal_classification
    if kind == msp_principal.MSPPrincipal.ROLE:
        role = msp_principal.MSPRole.FromString(principal.principal)
        return bool(role.msp_identifier == signer.msp_id and role.role in signer.roles)
    if kind == msp_principal.MSPPrincipal.IDENTITY:
        wanted = identities.SerializedIdentity.FromString(principal.principal)
        return bool(wanted.mspid == signer.msp_id and wanted.id_bytes == signer.cert_pem)
    return False


def choose_signers(root: Proto, paths: Sequence[str],
                   candidates: Sequence[Signer]) -> list[Signer]:
    """The fewest candidates (in candidate order) that satisfy every policy in ``paths``.

    Raises:
        Unsatisfiable: even all candidates together do not satisfy a policy; the message names it.
    """
    for path in paths:
        if not evaluate(root, path, candidates):
            raise Unsatisfiable(f"policy {path} ({describe(root, path)}) cannot be satisfied by "
                                "the admins fabgitops holds keys for ("
                                f"{', '.join(sorted({c.msp_id for c in candidates}))})")
    chosen: list[Signer] = []
    for candidate in candidates:
        if all(evaluate(root, p, chosen) for p in paths):
            break
        chosen.append(candidate)
    for signer in list(chosen):
        rest = [s for s in chosen if s is not signer]
        if all(evaluate(root, p, rest) for p in paths):
            chosen = rest
    return chosen


def needed_by(root: Proto, path: str, signers: Sequence[Signer]) -> list[Signer]:
    """The signers ``path`` cannot do without (each one's share in satisfying it)."""
    return [s for s in signers if not evaluate(root, path, [o for o in signers if o is not s])]


def describe(root: Proto, path: str) -> str:
    """A policy as people write it: ``MAJORITY Admins`` or ``OutOf(1, 'Org1MSP.admin')``."""
    _, config_policy = _locate(root, path)
    if config_policy is None or not config_policy.HasField("policy"):
        return "missing policy"
    policy = config_policy.policy
    if policy.type == policies.Policy.IMPLICIT_META:
        meta = policies.ImplicitMetaPolicy.FromString(policy.value)
        return f"{policies.ImplicitMetaPolicy.Rule.Name(meta.rule)} {meta.sub_policy}"
    if policy.type == policies.Policy.SIGNATURE:
        envelope = policies.SignaturePolicyEnvelope.FromString(policy.value)
        return _dsl(envelope.rule, list(envelope.identities))
    return f"policy type {policy.type}"


def _dsl(rule: Proto, principals: list[Proto]) -> str:
    if rule.HasField("signed_by"):
        if not 0 <= rule.signed_by < len(principals):
            return "'?'"
        principal = principals[rule.signed_by]
        if principal.principal_classification == msp_principal.MSPPrincipal.ROLE:
            role = msp_principal.MSPRole.FromString(principal.principal)
            name = msp_principal.MSPRole.MSPRoleType.Name(role.role).lower()
            return f"'{role.msp_identifier}.{name}'"
        if principal.principal_classification == msp_principal.MSPPrincipal.IDENTITY:
            who = identities.SerializedIdentity.FromString(principal.principal)
            return f"'{who.mspid} identity'"
        return "'?'"
    inner = ", ".join(_dsl(r, principals) for r in rule.n_out_of.rules)
    return f"OutOf({rule.n_out_of.n}, {inner})"
