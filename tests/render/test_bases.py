"""The hand-written bases: each builds alone, carries the shared sync waves, pins its images,
and is what the renderer copies into the output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fabgitops.model import Storage
from fabgitops.render.common import BASE_IMAGES
from fabgitops.shipped_bases import bases_tree
from fabgitops.tree import GENERATED_HEADER
from fabgitops.waves import ANNOTATION, Wave
from tests.conftest import REPO, kustomize
from tests.render.conftest import Built

BASES = REPO / "bases"
COMPONENTS = ("ca", "cli", "couchdb", "jobs", "kafka", "orderer", "peer", "zookeeper")
WAVES = {"ca": Wave.CA, "cli": Wave.PEER, "jobs": Wave.CONFIG, "kafka": Wave.KAFKA,
         "orderer": Wave.ORDERER,
         "peer": Wave.PEER, "zookeeper": Wave.KAFKA}


def test_the_bases_are_the_shipped_ones() -> None:
    assert sorted(p.name for p in BASES.iterdir()) == list(COMPONENTS)
    shipped = bases_tree()
    on_disk = {f"bases/{p.relative_to(BASES).as_posix()}": p.read_bytes()
               for p in BASES.rglob("*") if p.is_file()}
    assert len(on_disk) >= len(COMPONENTS) * 2
    # People write the sources; each copy in an output carries the header the compiler owns.
    assert not [path for path, content in on_disk.items()
                if content.startswith(GENERATED_HEADER.encode())]
    assert shipped == {path: GENERATED_HEADER.encode() + content
                       for path, content in on_disk.items()}


def test_each_base_builds_alone() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        built = dict(zip(COMPONENTS, pool.map(kustomize, [BASES / c for c in COMPONENTS]),
                         strict=True))
    assert built["couchdb"] == []  # a Component: it patches peers it is applied to
    for component, wave in WAVES.items():
        objects = built[component]
        assert objects, component
        for obj in objects:
            assert obj["metadata"]["annotations"][ANNOTATION] == str(int(wave)), component
            spec = obj.get("spec", {}).get("template", {}).get("spec")
            if spec is None:
                continue
            for container in [*spec.get("initContainers", []), *spec["containers"]]:
                name, _, tag = container["image"].rpartition(":")
                assert name in BASE_IMAGES.values() and tag and tag != "latest"


def test_no_placeholder_of_a_base_survives_in_a_build(built: Callable[[str], Built]) -> None:
    """The bases' per-node placeholders (names, addresses, MSP ID) are all patched: in the
    "prefix" network no host is called peer, orderer or ca."""
    placeholders = ("peer-msp", "peer-tls", "peer-keys", "orderer-msp", "orderer-keys",
                    "ca-msp", "ca-keys", "SampleOrg", "peer:7051", "orderer:7050",
                    '{"peername":"peer"}')
    network = built("prefix")
    namespaces = network.objects
    assert len(namespaces) == len(network.compiled.plan.orgs) > 1
    for objects in namespaces.values():
        text = json.dumps(objects)
        for placeholder in placeholders:
            assert json.dumps(placeholder) not in text, placeholder


def test_the_model_storage_defaults_are_the_bases_sizes() -> None:
    """The renderer patches a volume only when its size differs from the base's."""
    defaults = Storage()
    expected = {"ca": [defaults.ca], "peer": [defaults.peer], "orderer": [defaults.orderer],
                "kafka": [defaults.kafka], "zookeeper": [defaults.zoo_keeper],
                "couchdb": [defaults.couch_db]}
    for component, sizes in expected.items():
        text = next(p for p in sorted((BASES / component).glob("*.yaml"))
                    if "volumeClaimTemplates" in p.read_text()).read_text()
        found = re.findall(r"^\s+storage: (\S+)$", text, re.M)
        assert found == sizes, component
