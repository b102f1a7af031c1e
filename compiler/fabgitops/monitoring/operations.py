"""Operations TLS: with Monitoring, every node serves its operations endpoint over TLS, and only
a client certificate from the org's TLS CA may read ``/metrics``.

Fabric's operations server requires a verified client certificate for ``/metrics`` and
``/logspec`` as soon as TLS is on (fabhttp ``RegisterHandler(..., secure=TLS.Enabled)``; the TLS
config verifies a given certificate against ``ClientRootCAs``, common/fabhttp/tls.go), while
``/healthz`` stays open, so the kubelet's probes only switch to HTTPS. The server pair is the
node's own TLS pair (the CA server's for the CA), the client roots are the org's TLS CA. The
Prometheus client pair (``<org>/monitoring/tls`` in the keystore, CN ``prometheus``) reaches
Prometheus through the Secret ``prometheus-client`` of the org namespace.

Environment names: peer ``operations.tls.*`` (core/peer/config.go L315-320; the root CA list is
read with GetStringSlice, so one path without brackets), orderer ``Operations.TLS.*``
(orderer/common/localconfig, lists as ``[a,b]``), fabric-ca-server ``operations.tls.*``.
fabric-ca-server differs: its ``/metrics`` needs no client certificate (fabric-ca
lib/server/operations/system.go), so Prometheus verifies the CA without presenting one and the
NetworkPolicy alone keeps others out.
"""

from __future__ import annotations

from typing import Any

Manifest = dict[str, Any]

CLIENT_SECRET = "prometheus-client"
CLIENT_COMMON_NAME = "prometheus"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
TLS_DIRS = {"peer": "/etc/hyperledger/fabric/tls", "orderer": "/var/hyperledger/orderer/tls",
            "ca": "/etc/hyperledger/fabric-ca-server-config/tls"}
"""Where each base mounts the node's ``server.crt``, ``server.key`` and the TLS CA ``ca.crt``."""


def _env(name: str, value: str) -> Manifest:
    return {"name": name, "value": value}


def tls_environment(base: str) -> list[Manifest]:
    """The operations TLS settings of a ``peer``, ``orderer`` or ``ca`` container."""
    tls = TLS_DIRS[base]
    if base == "peer":
        return [_env("CORE_OPERATIONS_TLS_ENABLED", "true"),
                _env("CORE_OPERATIONS_TLS_CERT_FILE", f"{tls}/server.crt"),
                _env("CORE_OPERATIONS_TLS_KEY_FILE", f"{tls}/server.key"),
                _env("CORE_OPERATIONS_TLS_CLIENTROOTCAS_FILES", f"{tls}/ca.crt")]
    if base == "orderer":
        return [_env("ORDERER_OPERATIONS_TLS_ENABLED", "true"),
                _env("ORDERER_OPERATIONS_TLS_CERTIFICATE", f"{tls}/server.crt"),
                _env("ORDERER_OPERATIONS_TLS_PRIVATEKEY", f"{tls}/server.key"),
                _env("ORDERER_OPERATIONS_TLS_CLIENTROOTCAS", f"[{tls}/ca.crt]")]
    # fabric-ca-server reads operations.tls.cert.file and .key.file itself (cmd/fabric-ca-server
    # config.go configInit); its /metrics asks for no client certificate
    # (lib/server/operations/system.go), so there are no client roots to set.
    return [_env("FABRIC_CA_SERVER_OPERATIONS_TLS_ENABLED", "true"),
            _env("FABRIC_CA_SERVER_OPERATIONS_TLS_CERT_FILE", f"{tls}/server.crt"),
            _env("FABRIC_CA_SERVER_OPERATIONS_TLS_KEY_FILE", f"{tls}/server.key")]


def secure(base: str, container: Manifest) -> dict[str, str]:
    """Turn on operations TLS in a node's main container (a strategic-merge patch of the
    base's container: the env is appended, the probes' ``httpGet`` gains the scheme).

    Returns:
        The pod template annotations that tell annotation-based scraping to use HTTPS.
    """
    container["env"] = [*container.get("env", []), *tls_environment(base)]
    for probe in PROBES:
        container[probe] = {"httpGet": {"scheme": "HTTPS"}}
    return {"prometheus.io/scheme": "https"}
