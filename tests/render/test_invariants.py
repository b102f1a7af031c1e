"""Invariants of the built output that a running network depends on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from fabgitops.model import Expose
from fabgitops.tree import GENERATED_HEADER
from fabgitops.waves import ANNOTATION
from tests import walk
from tests.render.conftest import Built
from tests.render.inspect import (
    Dial,
    artifact_dials,
    containers,
    env_dials,
    index,
    is_ip,
    keys_of,
    pod_spec,
    references,
    sans,
    selects,
    tls_certificate,
)
from tests.render.networks import NETWORKS

Obj = dict[str, Any]
ALL = sorted(NETWORKS)


def workloads(network: Built) -> Iterator[tuple[str, Obj, Obj]]:
    for namespace, objects in network.objects.items():
        for obj in objects:
            spec = pod_spec(obj)
            if spec is not None:
                yield namespace, obj, spec


@pytest.mark.parametrize("name", ALL)
def test_everything_a_pod_mounts_or_reads_exists_in_its_namespace(
        name: str, built: Callable[[str], Built]) -> None:
    network = built(name)
    checked = 0
    for namespace, obj, spec in workloads(network):
        known = index(network.objects[namespace])
        for kind, ref, key in references(spec):
            target = known.get((kind, ref))
            assert target is not None, f"{obj['metadata']['name']} needs {kind} {ref}"
            assert key is None or key in keys_of(target), f"{kind} {ref} has no key {key}"
            checked += 1
    assert checked > 20


def _service_port(service: Obj, port: int) -> bool:
    spec = service["spec"]
    return any(p["port"] == port or p.get("nodePort") == port for p in spec["ports"])


def _target(network: Built, dial: Dial) -> tuple[Obj, Obj] | None:
    """The (Service, workload) a dial reaches, by in-cluster, NodePort or Ingress name."""
    plan = network.compiled.plan
    kube = plan.kubernetes
    candidates: list[tuple[str, str]] = []
    labels = dial.host.split(".")
    if len(labels) == 2:
        candidates.append((labels[1], labels[0]))
    elif len(labels) >= 4 and labels[3] == "svc":  # <pod>.<service>.<ns>.svc.<domain>
        candidates.append((labels[2], labels[1]))
    for namespace, objects in network.objects.items():
        for obj in objects:
            if kube.expose is Expose.INGRESS and obj["kind"] == "Ingress" and dial.port == 443 \
                    and obj["spec"]["rules"][0]["host"] == dial.host:
                backend = obj["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
                candidates.append((namespace, backend["name"]))
            if kube.expose is Expose.NODE_PORT and dial.host == kube.node_port.host and \
                    obj["kind"] == "Service" and obj["spec"].get("type") == "NodePort" and \
                    _service_port(obj, dial.port):
                candidates.append((namespace, obj["metadata"]["name"]))
    for namespace, service_name in candidates:
        known = index(network.objects.get(namespace, []))
        service = known.get(("Service", service_name))
        if service is None:
            continue
        for obj in network.objects[namespace]:
            if obj["kind"] in ("StatefulSet", "Deployment") and \
                    selects(service["spec"]["selector"], obj):
                return service, obj
    return None


@pytest.mark.parametrize("name", ALL)
def test_every_dialed_host_is_a_service_and_a_san_of_its_target(
        name: str, built: Callable[[str], Built]) -> None:
    network = built(name)
    plan = network.compiled.plan
    dials: list[Dial] = []
    for _, objects in network.objects.items():
        for obj in objects:
            dials += env_dials(obj)
            if obj["kind"] == "ConfigMap" and obj["metadata"]["name"].startswith("channel-"):
                dials += artifact_dials(obj)
    dials += [Dial(f"CA of {o.name}", o.ca.address.host, o.ca.address.port, True)
              for o in plan.orgs]
    assert {d.where.split()[-1] for d in dials} >= {"CORE_PEER_GOSSIP_BOOTSTRAP",
                                                    "CORE_PEER_ADDRESS", "genesis.block"} \
        or plan.consensus.uses_system_channel
    assert sum(d.tls for d in dials) >= 8
    assert _target(network, Dial("nowhere", "nobody.org1", 7051, True)) is None
    for dial in dials:
        found = _target(network, dial)
        assert found is not None, f"{dial.where}: nothing serves {dial.host}:{dial.port}"
        service, workload = found
        if service["spec"].get("type") != "NodePort" and dial.port != 443:
            assert _service_port(service, dial.port), dial
        if "svc" in dial.host.split(".") and service["spec"].get("clusterIP") == "None":
            ordinal = int(dial.host.split(".")[0].rsplit("-", 1)[1])
            assert ordinal < workload["spec"]["replicas"], dial
        if dial.tls:
            namespace = workload["metadata"]["namespace"]
            certificate = tls_certificate(index(network.objects[namespace]), workload)
            assert dial.host in sans(certificate) or is_ip(dial.host), (dial, sans(certificate))


@pytest.mark.parametrize("name", ALL)
def test_no_host_access_no_privilege_no_root(name: str, built: Callable[[str], Built]) -> None:
    network = built(name)
    # Keys, not text: certificates in ConfigMaps are random base64 and may spell anything.
    keys = {key for objects in network.objects.values() for key in walk.keys(objects)}
    assert "containers" in keys  # the walk reached the pod specs
    assert keys.isdisjoint({"hostPath", "hostNetwork", "hostPID", "hostIPC", "privileged"})
    mounts = [v for objects in network.objects.values() for v in walk.values(objects, "mountPath")]
    assert mounts and not any("docker.sock" in str(m) for m in mounts)
    for _, obj, spec in workloads(network):
        assert spec["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        for container in containers(spec):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, obj["metadata"]["name"]
            assert context["capabilities"]["drop"] == ["ALL"]
            assert context.get("runAsUser", 1) != 0


@pytest.mark.parametrize("name", ALL)
def test_network_policies_isolate_every_namespace(name: str,
                                                  built: Callable[[str], Built]) -> None:
    network = built(name)
    enabled = network.compiled.plan.kubernetes.network_policies
    assert network.objects
    for namespace, objects in network.objects.items():
        policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
        if not enabled:
            assert not policies
            continue
        deny = policies["default-deny-ingress"]["spec"]
        assert deny["podSelector"] == {} and deny["ingress"] == []
        opened = {p["port"] for o in policies.values() for r in o["spec"]["ingress"]
                  for p in r.get("ports", [])}
        assert 5984 not in opened  # CouchDB stays inside its pod
        if namespace == "org1":
            peer = policies["allow-peer"]["spec"]["ingress"]
            chaincode = next(r for r in peer if r["ports"][0]["port"] == 7052)
            assert chaincode["from"] == [{"podSelector": {}}]


_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


@pytest.mark.parametrize("name", ALL)
def test_env_references_see_their_variables(name: str, built: Callable[[str], Built]) -> None:
    """The kubelet expands $(VAR) in an env value only with variables defined before it (a
    strategic merge moves patched variables to the front, which once broke Kafka's listener)."""
    checked = 0
    for _, obj, spec in workloads(built(name)):
        for container in containers(spec):
            checked += 1
            defined: set[str] = set()
            for variable in container.get("env", []):
                # The API server refuses both (a patch's valueFrom over a base's value).
                assert not {"value", "valueFrom"} <= set(variable), variable
                for ref in _REFERENCE.findall(variable.get("value", "")):
                    assert ref in defined, (obj["metadata"]["name"], variable["name"], ref)
                defined.add(variable["name"])
            for arg in [*container.get("command", []), *container.get("args", [])]:
                for ref in _REFERENCE.findall(arg):
                    assert ref in defined, (obj["metadata"]["name"], ref)
    assert checked > 0


@pytest.mark.parametrize("name", ALL)
def test_labels_waves_images_and_headers(name: str, built: Callable[[str], Built]) -> None:
    network = built(name)
    plan = network.compiled.plan
    images = set()
    for _, objects in network.objects.items():
        for obj in objects:
            meta = obj["metadata"]
            assert ANNOTATION in meta.get("annotations", {}), (obj["kind"], meta["name"])
            assert meta["labels"]["app.kubernetes.io/part-of"] == plan.network_name
            spec = pod_spec(obj)
            if spec is not None:
                images |= {c["image"] for c in containers(spec)}
    # Fabric's pinned images, and the chaincode servers' own (pinned by validation).
    assert images <= set(plan.images.values()) | {c.image for c in plan.chaincodes}
    assert {plan.images["peer"], plan.images["orderer"], plan.images["ca"]} <= images
    for path, content in network.tree.items():
        assert content.startswith(GENERATED_HEADER.encode()), path
        assert b"creationTimestamp" not in content, path


def test_kafka_is_configured_as_fabric_requires(built: Callable[[str], Built]) -> None:
    network = built("kafka")
    plan = network.compiled.plan
    assert plan.kafka is not None
    objects = {(o["kind"], o["metadata"]["name"]): o for o in network.objects["kafka"]}
    kafka = objects[("StatefulSet", "kafka")]
    settings = {v["name"]: v.get("value") for v in kafka["spec"]["template"]["spec"]
                ["containers"][0]["env"]}
    assert kafka["spec"]["replicas"] == len(plan.kafka.brokers) == 4
    assert int(settings["KAFKA_MESSAGE_MAX_BYTES"]) > plan.consensus.absolute_max_bytes
    assert settings["KAFKA_REPLICA_FETCH_MAX_BYTES"] == settings["KAFKA_MESSAGE_MAX_BYTES"]
    assert (settings["KAFKA_LOG_RETENTION_MS"], settings["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"],
            settings["KAFKA_MIN_INSYNC_REPLICAS"], settings["KAFKA_DEFAULT_REPLICATION_FACTOR"]) \
        == ("-1", "false", "2", "3")
    assert objects[("Service", "kafka")]["spec"]["clusterIP"] == "None"
    assert objects[("StatefulSet", "zookeeper")]["spec"]["replicas"] == 3
    orderer = next(o for o in network.objects["ordering"] if o["kind"] == "StatefulSet"
                   and o["metadata"]["name"] == "orderer0")
    init = orderer["spec"]["template"]["spec"]["initContainers"]
    assert [c["name"] for c in init] == ["wait-for-kafka"]
    for _, _obj, spec in workloads(network):
        for container in containers(spec):
            assert not re.search(r"\bsleep [0-9]+\s*;?\s*(orderer|peer|exec)", str(container))


def _env(obj: Obj, container: str = "") -> dict[str, str]:
    spec = pod_spec(obj)
    assert spec is not None
    chosen = next(c for c in spec["containers"] if not container or c["name"] == container)
    return {v["name"]: v.get("value", "<from>") for v in chosen["env"]}


def _workload(network: Built, namespace: str, name: str) -> Obj:
    return next(o for o in network.objects[namespace] if o["kind"] == "StatefulSet"
                and o["metadata"]["name"] == name)


@pytest.mark.parametrize(("name", "namespace", "host", "method"), [
    ("article", "orgorderer1", "orderer0", None),  # 3.x: no system channel setting at all
    ("leveldb", "ord", "orderer0", "none"),  # 2.5 participation
    ("kafka", "ordering", "orderer1", "file"),
    ("prefix", "prod-ord", "osn1", "file"),  # solo
])
def test_orderers_bootstrap_by_consensus_and_version(
        name: str, namespace: str, host: str, method: str | None,
        built: Callable[[str], Built]) -> None:
    settings = _env(_workload(built(name), namespace, host), "orderer")
    assert settings.get("ORDERER_GENERAL_BOOTSTRAPMETHOD") == method
    assert settings["ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED"] == "true"
    assert settings["ORDERER_CHANNELPARTICIPATION_ENABLED"] == ("false" if method == "file"
                                                               else "true")


def test_peer_environment(built: Callable[[str], Built]) -> None:
    network = built("ingress")
    settings = _env(_workload(network, "org1", "peer1"), "peer")
    assert settings["CORE_PEER_ID"] == "peer1.org1"
    assert settings["CORE_PEER_ADDRESS"] == "peer1.org1:7051"
    assert settings["CORE_PEER_LISTENADDRESS"] == "0.0.0.0:7051"
    assert settings["CORE_PEER_CHAINCODELISTENADDRESS"] == "0.0.0.0:7052"
    assert settings["CORE_PEER_CHAINCODEADDRESS"] == "peer1.org1:7052"
    assert settings["CORE_PEER_GOSSIP_BOOTSTRAP"] == "peer0.org1:7051"
    assert settings["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == "peer1-org1.fabric.example.com:443"
    assert settings["CORE_PEER_LOCALMSPID"] == "Org1MSP"
    assert settings["CORE_PEER_TLS_ENABLED"] == "true"
    assert settings["CORE_LEDGER_STATE_STATEDATABASE"] == "CouchDB"
    assert "CORE_VM_ENDPOINT" not in settings
    internal = _env(_workload(built("article"), "org1", "peer1"), "peer")
    assert internal["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == "peer1.org1:7051"
    leveldb = _env(_workload(built("leveldb"), "org1", "peer0"), "peer")
    assert leveldb["CORE_LEDGER_STATE_STATEDATABASE"] == "goleveldb"


@pytest.mark.parametrize("name", ALL)
def test_no_kustomization_says_something_that_changes_nothing(
        name: str, built: Callable[[str], Built]) -> None:
    """No rename of a base object to its own name, no image renamed to itself."""
    checked = 0
    for path, content in built(name).tree.items():
        if not path.endswith("/kustomization.yaml") or not path.startswith("overlays/"):
            continue
        document = yaml.safe_load(content)
        for image in document.get("images", []):
            assert image.get("newName") != image["name"], (path, image)
        for patch in document.get("patches", []):
            for op in yaml.safe_load(patch.get("patch", "[]")):
                assert op["path"] != "/metadata/name" or op["value"] != patch["target"]["name"]
                checked += 1
    assert checked > 0
