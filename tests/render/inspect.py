"""Read built manifests the way the cluster would: pod specs, what they reference, which host
names nodes are told to dial, and which TLS certificate answers at each of them."""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from fabgitops.channel import inspect as decode_artifact

Obj = dict[str, Any]
WORKLOADS = ("StatefulSet", "Deployment", "Job")
SEALED_SECRET = ("bitnami.com/v1alpha1", "SealedSecret")


def index(objects: list[Obj]) -> dict[tuple[str, str], Obj]:
    """Objects by (kind, name); a SealedSecret counts as the Secret it creates."""
    out: dict[tuple[str, str], Obj] = {}
    for obj in objects:
        kind = obj["kind"]
        if (obj["apiVersion"], kind) == SEALED_SECRET:
            kind = "Secret"
        out[(kind, obj["metadata"]["name"])] = obj
    return out


def keys_of(obj: Obj) -> set[str]:
    """Data keys of a ConfigMap, Secret or SealedSecret."""
    if obj["kind"] == "SealedSecret":
        return set(obj["spec"]["encryptedData"])
    return set(obj.get("data") or {}) | set(obj.get("binaryData") or {})


def pod_spec(obj: Obj) -> Obj | None:
    """The pod template spec of a workload."""
    if obj["kind"] not in WORKLOADS:
        return None
    spec: Obj = obj["spec"]["template"]["spec"]
    return spec


def containers(spec: Obj) -> list[Obj]:
    """Init and regular containers."""
    return [*spec.get("initContainers", []), *spec["containers"]]


def _volume_references(spec: Obj) -> Iterator[tuple[str, str, str | None]]:
    for volume in spec.get("volumes", []):
        for source in volume.get("projected", {}).get("sources", [volume]):
            for kind, field, name_key in (("ConfigMap", "configMap", "name"),
                                          ("Secret", "secret", "secretName"),
                                          ("Secret", "secret", "name")):
                ref = source.get(field)
                if ref and name_key in ref:
                    for item in ref.get("items") or [{"key": None}]:
                        yield kind, ref[name_key], item["key"]


def references(spec: Obj) -> Iterator[tuple[str, str, str | None]]:
    """(kind, name, key) of every ConfigMap/Secret a pod mounts or reads."""
    yield from _volume_references(spec)
    for container in containers(spec):
        for variable in container.get("env", []):
            source = variable.get("valueFrom", {})
            for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if field in source:
                    yield kind, source[field]["name"], source[field]["key"]
        for source in container.get("envFrom", []):
            for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if field in source:
                    yield kind, source[field]["name"], None


@dataclass(frozen=True)
class Dial:
    """A host:port some node, Job or channel config tells a client to dial."""

    where: str
    host: str
    port: int
    tls: bool


_LISTS = {
    # env var -> (separator, TLS)
    "CORE_PEER_ADDRESS": (None, True),
    "CORE_PEER_CHAINCODEADDRESS": (None, True),
    "CORE_PEER_GOSSIP_BOOTSTRAP": (" ", True),
    "CORE_PEER_GOSSIP_EXTERNALENDPOINT": (None, True),
    "ORDERER_ADDRESS": (None, True),
    "ADMIN_ADDRESS": (None, True),
    "ORDERERS": (" ", True),
    "KAFKA_BROKERS": (",", False),
    "KAFKA_ZOOKEEPER_CONNECT": (",", False),
    "ZOOKEEPERS": (",", False),
}
_ZOO_SERVER = re.compile(r"^server\.\d+=(?P<host>[^:]+):(?P<port>\d+):\d+$")


def _endpoint(where: str, value: str, tls: bool) -> Dial:
    host, _, port = value.rpartition(":")
    return Dial(where, host, int(port), tls)


def env_dials(obj: Obj) -> Iterator[Dial]:
    """Every address a workload's environment names."""
    spec = pod_spec(obj)
    if spec is None:
        return
    where = f"{obj['kind']} {obj['metadata']['name']}"
    for container in containers(spec):
        for variable in container.get("env", []):
            name, value = variable["name"], variable.get("value")
            if value is None:
                continue
            if name in _LISTS:
                separator, tls = _LISTS[name]
                for item in value.split(separator) if separator else [value]:
                    yield _endpoint(f"{where} {name}", item, tls)
            elif name == "ZOO_SERVERS":
                for word in value.split():
                    match = _ZOO_SERVER.match(word)
                    if match:
                        yield Dial(f"{where} {name}", match["host"], int(match["port"]), False)


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def artifact_dials(obj: Obj) -> Iterator[Dial]:
    """Every endpoint in the channel artifacts of a ConfigMap: orderer endpoints, consenters,
    anchor peers (TLS) and Kafka brokers (plain)."""
    for key, data in (obj.get("binaryData") or {}).items():
        tree = decode_artifact(base64.b64decode(data))
        where = f"ConfigMap {obj['metadata']['name']} {key}"
        for node in _walk(tree):
            if not isinstance(node, dict):
                continue
            if {"host", "port"} <= set(node) and isinstance(node["port"], int):
                yield Dial(where, node["host"], node["port"], True)
            for field, tls in (("addresses", True), ("brokers", False)):
                values = node.get(field)
                if isinstance(values, list) and all(isinstance(v, str) for v in values):
                    yield from (_endpoint(where, v, tls) for v in values)


def selects(selector: dict[str, str], obj: Obj) -> bool:
    """Whether a Service selector matches a workload's pod template."""
    labels = obj["spec"]["template"]["metadata"].get("labels", {})
    return all(labels.get(k) == v for k, v in selector.items())


def tls_certificate(objects: dict[tuple[str, str], Obj], workload: Obj) -> x509.Certificate:
    """The TLS server certificate a workload presents (its projected ``tls`` volume)."""
    spec = pod_spec(workload)
    assert spec is not None
    for volume in spec.get("volumes", []):
        if volume["name"] != "tls":
            continue
        for source in volume["projected"]["sources"]:
            ref = source.get("configMap")
            if ref:
                data = objects[("ConfigMap", ref["name"])]["data"]
                return x509.load_pem_x509_certificate(data["server.crt"].encode())
    raise AssertionError(f"{workload['metadata']['name']} mounts no TLS certificate")


def sans(certificate: x509.Certificate) -> set[str]:
    """DNS and IP subject alternative names."""
    ext = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(ext.get_values_for_type(x509.DNSName))
    return names | {str(ip) for ip in ext.get_values_for_type(x509.IPAddress)}


def is_ip(host: str) -> bool:
    """Whether a host is an IP literal."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
