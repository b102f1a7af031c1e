"""Plans of the networks the GitOps tests use, and building an entry point with kubectl."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyrage

from fabgitops import yamlio
from fabgitops.config_file import parse_config
from fabgitops.plan import Plan
from tests.conftest import ARTICLE, tool

REPO_URL = "https://git.example.com/acme/fabric-network.git"
KUBECTL = tool("kubectl")


def article_data() -> dict[str, Any]:
    """The article's cluster-config as plain data, to extend per test."""
    data: dict[str, Any] = yamlio.load_plain(ARTICLE.read_text(encoding="utf-8"))
    return data


def plan_of(**sections: Any) -> Plan:
    """The article network with top-level sections replaced, validated like a real file."""
    data = {**article_data(), **sections}
    loaded = parse_config(yamlio.dump(data).encode(), source="c.yaml", path=ARTICLE)
    assert not [w for w in loaded.warnings if "GitOps" in w.path], loaded.warnings
    return loaded.plan


def age_recipient() -> str:
    """A fresh age recipient (public key); its identity is thrown away."""
    return str(pyrage.x25519.Identity.generate().to_public())


def kafka_flux_plan(**sections: Any) -> Plan:
    """A Fabric 2.5 kafka network synced by Flux."""
    return plan_of(Network={"Name": "kafkanet", "FabricVersion": "2.5"},
                   Consensus={"Type": "kafka"}, GitOps={"Engine": "flux"}, **sections)


def sops_flux_plan() -> Plan:
    """The article network with SOPS secrets, synced by Flux."""
    return plan_of(GitOps={"Engine": "flux"},
                   Secrets={"Mode": "sops", "Sops": {"AgeRecipients": [age_recipient()]}})




def documents(files: Mapping[str, bytes], kind: str) -> list[dict[str, Any]]:
    """Every object of ``kind`` in a tree (kustomization.yaml files excluded), in path order."""
    out = []
    for content in files.values():
        doc = yamlio.load_plain(content.decode())
        if doc["kind"] == kind and not doc["apiVersion"].startswith("kustomize.config"):
            out.append(doc)
    return out
