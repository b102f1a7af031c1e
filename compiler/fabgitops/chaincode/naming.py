"""Names of a chaincode's Kubernetes objects and output files."""

from __future__ import annotations

from fabgitops.layout import CHAINCODES_DIR


def object_name(chaincode: str) -> str:
    """A chaincode name as a DNS-1123 label (Fabric allows uppercase and '_'; Kubernetes not)."""
    return chaincode.lower().replace("_", "-")


def server_name(chaincode: str) -> str:
    """The Deployment, Service and Secret name of a chaincode server: ``<name>-ccaas``."""
    return f"{object_name(chaincode)}-ccaas"


def chaincode_dir(chaincode: str) -> str:
    """``chaincodes/<name>``: the chaincode's reviewable files."""
    return f"{CHAINCODES_DIR}/{chaincode}"
