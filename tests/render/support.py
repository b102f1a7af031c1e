"""Compile a network through the real stages (plan, crypto, channel, render), write it with
plain (or sealed) Secrets, and build every overlay with the real ``kubectl kustomize``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fabgitops import yamlio
from fabgitops.chaincode.stage import build_chaincodes
from fabgitops.channel import ChannelArtifacts, build_artifacts
from fabgitops.config_file import parse_config
from fabgitops.crypto import CryptoMaterial, SystemKeyGen, issue
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.plan import Plan
from fabgitops.render import Rendered, render
from fabgitops.seal import PlainMethod, SealIndex, SealMethod, seal_secrets
from fabgitops.shipped_bases import bases_tree
from fabgitops.tree import FileTree, merge
from tests.conftest import ARTICLE, kustomize, tool

KUBECTL = tool("kubectl")
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
IDENTITY = AgeIdentity.generate("render tests")


@dataclass(frozen=True)
class Compiled:
    """One network through every stage up to render."""

    plan: Plan
    material: CryptoMaterial
    artifacts: ChannelArtifacts
    rendered: Rendered


def plan_of(data: Mapping[str, Any]) -> Plan:
    """Validate and plan a cluster-config given as data."""
    loaded = parse_config(yamlio.dump(dict(data)).encode(), source="c.yaml", path=ARTICLE)
    return loaded.plan


def compile_network(data: Mapping[str, Any], previous: Compiled | None = None,
                    user_paths: frozenset[str] = frozenset()) -> Compiled:
    """Run plan, crypto, channel and render; ``previous`` keeps its keys and blocks."""
    plan = plan_of(data)
    keystore = previous.material.keystore if previous else {}
    material = issue(plan, keystore, clock=lambda: NOW, keygen=SystemKeyGen(),
                     identity=IDENTITY)
    current = previous.artifacts.files() if previous else {}
    artifacts = build_artifacts(plan, material.files, current, clock=lambda: NOW,
                                rng=os.urandom)
    chaincodes = build_chaincodes(plan, material, None)
    return Compiled(plan, material, artifacts,
                    render(plan, material, artifacts, user_paths=user_paths,
                           chaincodes=chaincodes))


def output_tree(rendered: Rendered, method: SealMethod | None = None) -> FileTree:
    """The files a compile would write: the bases, the rendered files and the sealed (default
    plain) Secrets."""
    sealed = seal_secrets(rendered.secrets, method or PlainMethod(), current={},
                          previous=SealIndex(), index_key=bytes(32), random=os.urandom, now=NOW)
    return merge(bases_tree(), rendered.files, sealed.files)


def build_overlays(root: Path, namespaces: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Build ``overlays/<ns>`` for each namespace, in parallel."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        built = pool.map(lambda ns: kustomize(root / "overlays" / ns), namespaces)
        return dict(zip(namespaces, built, strict=True))


def namespaces(plan: Plan) -> list[str]:
    """Every overlay of a plan: the orgs' namespaces and the Kafka namespace."""
    names = [o.namespace for o in plan.orgs]
    return names + ([plan.kafka.namespace] if plan.kafka else [])
