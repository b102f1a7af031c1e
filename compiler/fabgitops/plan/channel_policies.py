"""Default Fabric channel and org policies (not Kubernetes policies), as fabric-samples'
configtx.yaml writes them."""

from __future__ import annotations

from fabgitops import model
from fabgitops.model import Policy
from fabgitops.plan.types import NodeKind


def _signature(rule: str) -> Policy:
    return Policy(type=model.PolicyType.SIGNATURE, rule=rule)


def _implicit(rule: str) -> Policy:
    return Policy(type=model.PolicyType.IMPLICIT_META, rule=rule)


def org_policies(org: model.Organization, kind: NodeKind, msp: str) -> dict[str, Policy]:
    """fabric-samples' org policies; roles other than member/admin need NodeOUs."""
    if kind is NodeKind.ORDERER:
        defaults = {
            "Readers": _signature(f"OR('{msp}.member')"),
            "Writers": _signature(f"OR('{msp}.member')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
        }
    elif org.enable_node_ous:
        defaults = {
            "Readers": _signature(f"OR('{msp}.admin', '{msp}.peer', '{msp}.client')"),
            "Writers": _signature(f"OR('{msp}.admin', '{msp}.client')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
            "Endorsement": _signature(f"OR('{msp}.peer')"),
        }
    else:
        defaults = {
            "Readers": _signature(f"OR('{msp}.member')"),
            "Writers": _signature(f"OR('{msp}.member')"),
            "Admins": _signature(f"OR('{msp}.admin')"),
            "Endorsement": _signature(f"OR('{msp}.member')"),
        }
    return {**defaults, **(org.policies or {})}


def app_policies(channel: model.Channel) -> dict[str, Policy]:
    defaults = {
        "Readers": _implicit("ANY Readers"),
        "Writers": _implicit("ANY Writers"),
        "Admins": _implicit("MAJORITY Admins"),
        "LifecycleEndorsement": _implicit("MAJORITY Endorsement"),
        "Endorsement": _implicit("MAJORITY Endorsement"),
    }
    return {**defaults, **(channel.policies or {})}
