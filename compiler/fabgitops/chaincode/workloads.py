"""An org's chaincode server: Deployment, Service and its TLS material.

The server is the chaincode image run as a gRPC server (fabric-chaincode-go's
``shim.ChaincodeServer``). Its ``CCID`` must equal the package ID the peers installed, or the
peer refuses the connection (core/chaincode/handler_registry.go). The environment variable
names are the Fabric samples' convention (asset-transfer-basic chaincode-external), not a
Fabric API: ``CHAINCODE_ID``, ``CHAINCODE_SERVER_ADDRESS``, ``CHAINCODE_TLS_DISABLED``,
``CHAINCODE_TLS_KEY``/``_CERT`` (file paths) and ``CHAINCODE_CLIENT_CA_CERT``.

Pods carry ``role: chaincode``: the namespace's NetworkPolicy ``allow-chaincode`` admits only
the namespace's peers (render/namespace_objects.py), and the default deny keeps everyone else out.
"""

from __future__ import annotations

from fabgitops.chaincode.stage import OrgChaincode
from fabgitops.keystore.value import SecretValue
from fabgitops.render.common import (
    Labels,
    Manifest,
    config_map,
    env,
    metadata,
    pod_security,
    restricted,
)
from fabgitops.render.identity import TLS_KEY, projected
from fabgitops.waves import Wave

TLS_DIR = "/etc/hyperledger/chaincode/tls"
DEFAULT_RESOURCES: Manifest = {"requests": {"cpu": "50m", "memory": "64Mi"},
                               "limits": {"memory": "256Mi"}}


def tls_config_map(entry: OrgChaincode, labels: Labels) -> Manifest | None:
    """ConfigMap ``<server>-tls``: the server certificate and the org's TLS CA (public)."""
    if entry.tls is None:
        return None
    return config_map(f"{entry.server.name}-tls", entry.org.namespace, labels, data={
        "server.crt": entry.tls.cert_pem.decode(),
        "ca.crt": entry.chaincode_ca_pem})


def secret_data(entry: OrgChaincode) -> dict[str, SecretValue]:
    """The server's Secret ``<server>-keys``: its TLS private key."""
    return {TLS_KEY: entry.tls.key} if entry.tls is not None else {}


def _environment(entry: OrgChaincode) -> list[Manifest]:
    spec = entry.chaincode.spec
    out = [env("CHAINCODE_ID", entry.package.package_id),
           env("CORE_CHAINCODE_ID_NAME", entry.package.package_id),
           env("CHAINCODE_SERVER_ADDRESS", f"0.0.0.0:{spec.port}"),
           env("CHAINCODE_TLS_DISABLED", "false" if spec.tls.enabled else "true")]
    if spec.tls.enabled:
        out += [env("CHAINCODE_TLS_KEY", f"{TLS_DIR}/server.key"),
                env("CHAINCODE_TLS_CERT", f"{TLS_DIR}/server.crt")]
        if spec.tls.client_auth:
            out.append(env("CHAINCODE_CLIENT_CA_CERT", f"{TLS_DIR}/ca.crt"))
    return out


def deployment(entry: OrgChaincode, labels: Labels) -> Manifest:
    """The chaincode server Deployment (restricted Pod Security, TCP probes on the gRPC port)."""
    spec = entry.chaincode.spec
    name = entry.server.name
    probe = {"tcpSocket": {"port": "grpc"}}
    container: Manifest = {
        "name": "chaincode",
        "image": spec.image,
        "env": _environment(entry),
        "ports": [{"name": "grpc", "containerPort": spec.port, "protocol": "TCP"}],
        "readinessProbe": {**probe, "periodSeconds": 10},
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "periodSeconds": 20,
                          "failureThreshold": 6},
        "resources": (spec.resources.model_dump(exclude_none=True) if spec.resources
                      else DEFAULT_RESOURCES),
        "securityContext": restricted(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    volumes: list[Manifest] = [{"name": "tmp", "emptyDir": {}}]
    if entry.tls is not None:
        container["volumeMounts"].insert(0, {"name": "tls", "mountPath": TLS_DIR,
                                             "readOnly": True})
        volumes.insert(0, projected("tls", [
            {"configMap": {"name": f"{name}-tls", "items": [
                {"key": "server.crt", "path": "server.crt"}, {"key": "ca.crt", "path": "ca.crt"}]}},
            {"secret": {"name": f"{name}-keys", "items": [
                {"key": TLS_KEY, "path": "server.key"}]}}]))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, entry.org.namespace, labels, Wave.PEER),
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": labels.selector()},
            "template": {
                "metadata": {"labels": labels.all()},
                "spec": {
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": pod_security(),
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def service(entry: OrgChaincode, labels: Labels) -> Manifest:
    """The ClusterIP Service the package's connection.json names."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(entry.server.name, entry.org.namespace, labels, Wave.PEER),
        "spec": {"type": "ClusterIP", "selector": labels.selector(),
                 "ports": [{"name": "grpc", "port": entry.chaincode.spec.port,
                            "targetPort": "grpc", "protocol": "TCP"}]},
    }
