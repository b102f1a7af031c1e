"""The engines apply overlays in the convergence order: kafka, orderer orgs, peer orgs."""

from __future__ import annotations

from typing import Any

import pytest

from fabgitops.gitops import engine_files
from fabgitops.plan import Plan
from fabgitops.waves import ANNOTATION, Wave

from .helpers import REPO_URL, documents, kafka_flux_plan, plan_of

TWO_ORDERER_ORGS = [
    {"Name": "Ord1", "Domain": "ord1", "Template": {"Count": 1}},
    {"Name": "Ord2", "Domain": "ord2", "Template": {"Count": 1}},
]


def expected_tiers(plan: Plan) -> list[set[str]]:
    """Namespaces per step of the convergence order, from the plan itself."""
    tiers = [{plan.kafka.namespace}] if plan.kafka else []
    tiers.append({o.namespace for o in plan.orderer_orgs})
    tiers.append({o.namespace for o in plan.peer_orgs})
    return tiers


def flux_levels(kustomizations: list[dict[str, Any]]) -> list[set[str]]:
    """Group Kustomizations (by target namespace) into the levels their dependsOn imposes."""
    by_name = {k["metadata"]["name"]: k for k in kustomizations}
    depends = {name: {d["name"] for d in k["spec"].get("dependsOn", [])}
               for name, k in by_name.items()}
    assert all(d <= set(by_name) for d in depends.values()), "dependsOn names a missing object"
    levels: list[set[str]] = []
    done: set[str] = set()
    while len(done) < len(by_name):
        ready = {n for n in by_name if n not in done and depends[n] <= done}
        assert ready, f"dependsOn cycle among {set(by_name) - done}"
        levels.append({by_name[n]["spec"]["path"].rsplit("/", 1)[1] for n in ready})
        done |= ready
    return levels


def argocd_levels(applications: list[dict[str, Any]]) -> list[set[str]]:
    """Group Applications (by destination namespace) by sync wave, lowest first."""
    waves: dict[int, set[str]] = {}
    for app in applications:
        wave = int(app["metadata"]["annotations"][ANNOTATION])
        waves.setdefault(wave, set()).add(app["spec"]["destination"]["namespace"])
    return [waves[w] for w in sorted(waves)]


NETWORKS: dict[str, dict[str, Any]] = {
    "article": {},
    "kafka": {"Network": {"FabricVersion": "2.5"}, "Consensus": {"Type": "kafka"}},
    "two-orderer-orgs": {"OrdererOrgs": TWO_ORDERER_ORGS},
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_flux_depends_on_follows_convergence_order(name: str) -> None:
    plan = plan_of(**NETWORKS[name], GitOps={"Engine": "flux"})
    files = engine_files(plan, repo_url=REPO_URL)
    assert flux_levels(documents(files, "Kustomization")) == expected_tiers(plan)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_argocd_waves_follow_convergence_order(name: str) -> None:
    plan = plan_of(**NETWORKS[name])
    files = engine_files(plan, repo_url=REPO_URL)
    assert argocd_levels(documents(files, "Application")) == expected_tiers(plan)
    project = documents(files, "AppProject")[0]
    waves = [int(a["metadata"]["annotations"][ANNOTATION])
             for a in documents(files, "Application")]
    # The project exists before any Application that names it.
    assert int(project["metadata"]["annotations"][ANNOTATION]) < min(waves)


def test_waves_are_the_shared_convergence_waves() -> None:
    files = engine_files(plan_of(Network={"FabricVersion": "2.5"}, Consensus={"Type": "kafka"}),
                         repo_url=REPO_URL)
    waves = {a["spec"]["destination"]["namespace"]: a["metadata"]["annotations"][ANNOTATION]
             for a in documents(files, "Application")}
    assert waves == {"kafka": str(int(Wave.KAFKA)), "orgorderer1": str(int(Wave.ORDERER)),
                     "org1": str(int(Wave.PEER)), "org2": str(int(Wave.PEER))}


def test_peer_orgs_wait_for_every_orderer_org_and_orderers_for_kafka() -> None:
    files = engine_files(kafka_flux_plan(OrdererOrgs=TWO_ORDERER_ORGS), repo_url=REPO_URL)
    depends = {k["metadata"]["name"]: [d["name"] for d in k["spec"].get("dependsOn", [])]
               for k in documents(files, "Kustomization")}
    assert depends == {
        "kafkanet-kafka": [],
        "kafkanet-ord1": ["kafkanet-kafka"],
        "kafkanet-ord2": ["kafkanet-kafka"],
        "kafkanet-org1": ["kafkanet-ord1", "kafkanet-ord2"],
        "kafkanet-org2": ["kafkanet-ord1", "kafkanet-ord2"],
    }

