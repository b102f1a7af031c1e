"""Operations TLS with real Fabric: Prometheus' client pair (Secret prometheus-client) reads
/metrics of an orderer and a peer over TLS, verifying each node's host name against the org's
TLS CA; without a client certificate /metrics is refused and /healthz (the probes) still
answers; the metrics the alert rules query are there under Fabric's names."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from .cluster import Cluster
from .conftest import Compiler, Fabric
from .network import network


def _curl(cluster: Cluster, host: str, namespace: str, path: str,
          client: Path | None) -> tuple[str, str]:
    """HTTP status and body of https://<host>:9443<path> inside the harness' network."""
    address = cluster.addresses[f"{host}.{namespace}"]
    args = ["nsenter", f"--net={cluster._netns}", "curl", "-sS", "--max-time", "20",
            "--resolve", f"{host}:9443:{address}", "--cacert", str(client / "ca.crt")
            if client else "/dev/null", "-w", "\n%{http_code}", f"https://{host}:9443{path}"]
    if client is not None:
        args[args.index("-w"):args.index("-w")] = ["--cert", str(client / "tls.crt"),
                                                   "--key", str(client / "tls.key")]
    else:
        args[args.index("--cacert"):args.index("--cacert") + 2] = ["--insecure"]
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    body, _, status = result.stdout.rpartition("\n")
    return status, body + result.stderr


def _client(cluster: Cluster, namespace: str, directory: Path) -> Path:
    directory.mkdir(parents=True)
    for key, value in cluster._data(namespace, "Secret", "prometheus-client").items():
        (directory / key).write_bytes(value)
    return directory


def test_prometheus_scrapes_operations_over_tls(fabric: Fabric, compiler: Compiler,
                                                cluster: Cluster, tmp_path: Path) -> None:
    output = compiler.compile(network(fabric.version, orgs=1,
                                      extra="Monitoring: {PrometheusOperator: false}\n"))
    cluster.sync(output)
    expected = {
        ("orderer0", "ord"): ["consensus_etcdraft_is_leader{channel=\"mychannel\"} 1",
                              "ledger_blockchain_height{channel=\"mychannel\"}",
                              "grpc_server_"],
        ("peer0", "org1"): ["ledger_blockchain_height{channel=\"mychannel\"}",
                            "endorser_proposals_received", "grpc_server_"],
    }
    for (host, namespace), metrics in expected.items():
        client = _client(cluster, namespace, tmp_path / f"client-{namespace}-{host}")
        # A node just started may not have elected its leader or served a gRPC call yet.
        deadline = time.monotonic() + 60
        status, body = _curl(cluster, host, namespace, "/metrics", client)
        while not all(m in body for m in metrics) and time.monotonic() < deadline:
            time.sleep(1)
            status, body = _curl(cluster, host, namespace, "/metrics", client)
        assert status == "200", body[-2000:]
        for metric in metrics:
            assert metric in body, f"{metric} not served by {host}.{namespace}"
        status, body = _curl(cluster, host, namespace, "/metrics", None)
        assert status == "401", (status, body[-500:])
        status, body = _curl(cluster, host, namespace, "/healthz", None)
        assert status == "200", (status, body[-500:])
