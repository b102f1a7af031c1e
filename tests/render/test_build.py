"""Every overlay of every test network builds with ``kubectl kustomize`` and every built object
is valid for a current Kubernetes in strict mode (unknown fields are errors)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import kubernetes_validate
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.seal import SealedSecretsMethod, load_certificate
from tests.conftest import write_tree
from tests.monitoring import crd
from tests.render.conftest import Built
from tests.render.inspect import SEALED_SECRET, index, references
from tests.render.networks import NETWORKS
from tests.render.support import (
    NOW,
    build_overlays,
    compile_network,
    namespaces,
    output_tree,
)
from tests.seal.helpers import self_signed

KUBERNETES = "1.35"
"""A current release; kubernetes-validate ships its schemas."""


def validate_all(objects: list[dict[str, object]]) -> list[str]:
    """Strict validation of every object; CRs without a bundled schema are skipped by name."""
    problems = []
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) == SEALED_SECRET:
            continue  # a CRD: kubernetes-validate knows only built-in kinds
        if str(obj["apiVersion"]).startswith(crd.GROUP):
            problems += crd.problems(obj)  # the Prometheus Operator's CRDs, as test fixtures
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            meta = obj["metadata"]
            assert isinstance(meta, dict)
            problems.append(f"{obj['kind']} {meta['name']}: {exc.message}")
    return problems


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_overlay_builds_and_validates(name: str, built: Callable[[str], Built]) -> None:
    network = built(name)
    assert sorted(network.objects) == sorted(namespaces(network.compiled.plan))
    for namespace, objects in network.objects.items():
        assert objects, namespace
        assert validate_all(objects) == [], namespace
        assert {o["metadata"].get("namespace", namespace) for o in objects} == {namespace}


def test_validation_catches_a_broken_object(built: Callable[[str], Built]) -> None:
    statefulset = next(o for o in built("article").objects["org1"] if o["kind"] == "StatefulSet")
    broken = {**statefulset, "spec": {**statefulset["spec"], "volumeClaimTemplate": []}}
    assert validate_all([broken])


def test_sealed_mode_builds_with_sealed_secrets(tmp_path_factory: pytest.TempPathFactory,
                                                ) -> None:
    """SealedSecrets are CRs Kustomize passes through unchanged: the pods' explicit Secret names
    match the SealedSecrets' names, which the controller gives the Secrets it creates."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = load_certificate(self_signed(key, not_before=NOW - timedelta(days=1)),
                                   now=NOW)
    compiled = compile_network(NETWORKS["article"])
    tree = output_tree(compiled.rendered, SealedSecretsMethod(certificate))
    root = tmp_path_factory.mktemp("sealed")
    write_tree(root, tree)
    objects = build_overlays(root, namespaces(compiled.plan))["org1"]
    sealed = [o for o in objects if (o["apiVersion"], o["kind"]) == SEALED_SECRET]
    assert sealed and not [o for o in objects if o["kind"] == "Secret"]
    assert validate_all(objects) == []
    known = index(objects)
    for obj in objects:
        if obj["kind"] in ("StatefulSet", "Deployment", "Job"):
            for kind, ref, _ in references(obj["spec"]["template"]["spec"]):
                assert (kind, ref) in known, (obj["metadata"]["name"], kind, ref)
