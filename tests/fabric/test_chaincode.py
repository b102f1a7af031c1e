"""Chaincode as data, on real Fabric: the compiled Jobs install, approve and commit a
chaincode-as-a-service whose server runs from the compiled Deployment, the peers reach it through
the peer's own ccaas_builder, invoke and query work, and an upgrade takes sequence 2 with the new
package while the state stays.

Needs, besides the harness's binaries, ``$FABRIC_BIN/ccaas/{detect,build,release}`` (the peer
image's ``/opt/hyperledger/ccaas_builder/bin``, built from Fabric's ``ccaas_builder`` module) and
``$FABRIC_BIN/ccserver`` (Fabric's ``integration/chaincode/server``: fabric-chaincode-go's
``ChaincodeServer`` serving ``integration/chaincode/simple``: Init(a, 100, b, 200), invoke,
query...).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import tool

from .cluster import Cluster, JobFailed, JobRun
from .conftest import Compiler, Fabric
from .network import network

IMAGE = "example.org/simple:1.0"
CHAINCODE = """Chaincodes:
  - Name: simple
    Version: "{version}"
    Image: {image}
    Channels: [mychannel]
    InitRequired: true
    TLS: {{ClientAuth: true}}
    EndorsementPolicy: {{Signature: "AND('Org1MSP.peer', 'Org2MSP.peer')"}}
    Collections:
      - Name: private
        Policy: "OR('Org1MSP.member', 'Org2MSP.member')"
        MaxPeerCount: 1
"""
# What the chaincode image's entrypoint would do for integration/chaincode/server, which reads
# config.json (PEM strings) from its working directory and the package ID from argv[1]: the
# compiled Deployment passes the samples' variables (chaincode/workloads.py). That server always
# passes its "ca" to the shim, which then requires client certificates (an empty one fails
# "failed to load root cert file"), so the scenario runs with TLS client auth: the peers present
# their TLS pair through ccaas_builder's templating of the package's connection.json.
SERVER = """set -eu
cd /tmp
key=""; cert=""; ca=""
if [ "$CHAINCODE_TLS_DISABLED" != true ]; then
  key=$(cat "$CHAINCODE_TLS_KEY"); cert=$(cat "$CHAINCODE_TLS_CERT")
  if [ -n "${CHAINCODE_CLIENT_CA_CERT:-}" ]; then ca=$(cat "$CHAINCODE_CLIENT_CA_CERT"); fi
fi
jq -n --arg a "$CHAINCODE_SERVER_ADDRESS" --arg k "$key" --arg c "$cert" --arg ca "$ca" \\
  '{listen_address: $a, key: $k, cert: $c, ca: $ca}' > config.json
exec ccserver "$CHAINCODE_ID"
"""
BOTH_PEERS = ('--peerAddresses peer0.org1:7051 --tlsRootCertFiles "$TLS_ROOTS/Org1MSP.pem" '
              '--peerAddresses peer0.org2:7051 --tlsRootCertFiles "$TLS_ROOTS/Org2MSP.pem"')


@pytest.fixture
def chaincode_cluster(fabric: Fabric, tmp_path: Path) -> Iterator[Cluster]:
    """A harness cluster whose peers have the ccaas builder and whose chaincode image runs
    Fabric's chaincode server."""
    builder = tmp_path / "ccaas_builder"
    (builder / "bin").mkdir(parents=True)
    for program in ("detect", "build", "release"):
        source = fabric.bin / "ccaas" / program
        if not source.is_file():
            pytest.skip(f"FABRIC_BIN={fabric.bin} lacks ccaas/{program} (the peer image's "
                        "ccaas_builder; docs/fabric-harness.md)")
        shutil.copy(source, builder / "bin" / program)
    if not (fabric.bin / "ccserver").is_file():
        pytest.skip(f"FABRIC_BIN={fabric.bin} lacks ccserver (Fabric's "
                    "integration/chaincode/server; docs/fabric-harness.md)")
    with Cluster(tmp_path / "cluster", fabric.bin, fabric.config, kubectl=tool("kubectl"),
                 image_files={"/opt/hyperledger/ccaas_builder": builder},
                 programs={IMAGE: ["bash", "-c", SERVER]}) as cluster:
        yield cluster


def _config(version: str, chaincode_version: str) -> str:
    return network(version, extra=CHAINCODE.format(version=chaincode_version, image=IMAGE))


def _admin(cluster: Cluster) -> Any:
    """Org1's commit Job: an org1 admin session with the orderers and every org's TLS root."""
    jobs = cluster.find("org1", "Job", "simple-commit-mychannel")
    assert len(jobs) == 1
    return jobs[0]


def _run(cluster: Cluster, script: str) -> str:
    run = cluster.run_script(_admin(cluster), script)
    if run.returncode:
        raise JobFailed(run.output)
    return run.output


def _invoke(cluster: Cluster, *args: str, init: bool = False) -> str:
    call = json.dumps({"Args": list(args)})
    flag = " --isInit" if init else ""
    return _run(cluster, f"peer chaincode invoke -o \"${{ORDERERS%% *}}\" --tls --cafile "
                         f"\"$ORDERER_CA\" -C mychannel -n simple {BOTH_PEERS} "
                         f"-c '{call}' --waitForEvent{flag}")


def _query(cluster: Cluster, key: str, peer: str) -> str:
    call = json.dumps({"Args": ["query", key]})
    root = "Org1MSP" if peer.endswith("org1:7051") else "Org2MSP"
    output = _run(cluster, f"peer chaincode query -C mychannel -n simple -c '{call}' "
                           f"--peerAddresses {peer} "
                           f"--tlsRootCertFiles \"$TLS_ROOTS/{root}.pem\" 2>/dev/null")
    return output.strip()


def _committed(cluster: Cluster) -> Any:
    output = _run(cluster, "peer lifecycle chaincode querycommitted -C mychannel -n simple "
                           "-O json 2>/dev/null")
    return json.loads(output)


def _installed(cluster: Cluster, peer: str) -> list[str]:
    job = cluster.find(peer.split(".")[1].split(":")[0], "Job", "simple-install")[0]
    run = cluster.run_script(job, f"CORE_PEER_ADDRESS={peer} peer lifecycle chaincode "
                                  "queryinstalled -O json 2>/dev/null")
    assert run.returncode == 0, run.output
    document = json.loads(run.output)
    return [c["package_id"] for c in document.get("installed_chaincodes", [])]


def _names(runs: list[JobRun]) -> list[str]:
    return [f"{r.namespace}/{r.name.rsplit('-', 1)[0]}" for r in runs if "simple" in r.name]


def _definition(output: Path) -> Any:
    return yaml.safe_load((output / "chaincodes/simple/definition.yaml").read_text())


def test_install_approve_commit_invoke_then_upgrade(fabric: Fabric, compiler: Compiler,
                                                   chaincode_cluster: Cluster) -> None:
    cluster = chaincode_cluster
    output = compiler.compile(_config(fabric.version, "1.0"))
    first = _definition(output)
    assert first["channels"]["mychannel"]["sequence"] == 1
    runs = cluster.sync(output)
    lifecycle = ["org1/simple-approve-mychannel", "org1/simple-install",
                 "org2/simple-approve-mychannel", "org2/simple-install",
                 "org1/simple-commit-mychannel"]
    assert _names(runs) == lifecycle
    assert "committed simple sequence 1 on mychannel" in runs[-1].output
    committed = _committed(cluster)
    assert (str(committed["sequence"]), committed["version"]) == ("1", "1.0")
    assert committed["approvals"] == {"Org1MSP": True, "Org2MSP": True}
    collection = committed["collections"]["config"][0]
    assert "private" in json.dumps(collection), collection
    for msp, peer in (("Org1MSP", "peer0.org1:7051"), ("Org2MSP", "peer0.org2:7051")):
        assert first["packages"][msp]["packageId"] in _installed(cluster, peer)

    # InitRequired: the first transaction of each version is the Init (simple's sets a and b).
    _invoke(cluster, "init", "a", "100", "b", "200", init=True)
    _invoke(cluster, "invoke", "a", "b", "10")
    assert _query(cluster, "a", "peer0.org1:7051") == "90"
    assert _query(cluster, "b", "peer0.org2:7051") == "210"

    # Every Job again: each finds its work done and changes nothing.
    again = [cluster.run_job(j) for ns in ("org1", "org2") for j in cluster.find(ns, "Job")
             if j["metadata"]["name"].startswith("simple-")]
    assert len(again) == 5
    assert all(r.returncode == 0 for r in again), [r.output for r in again]
    text = "\n".join(r.output for r in again)
    assert "is installed on peer0.org1:7051" in text
    assert "Org2MSP has approved simple sequence 1 on mychannel" in text
    assert "simple sequence 1 is committed on mychannel" in text
    # ... and did nothing: no install, approval or commit of its own.
    assert not re.search(r"^installed |MSP approved |^committed ", text, re.M), text

    # Recompiling the same config changes nothing; a new version is sequence 2.
    assert compiler.compile(_config(fabric.version, "1.0")) == output
    assert _definition(output) == first
    output = compiler.compile(_config(fabric.version, "1.1"))
    second = _definition(output)
    assert second["channels"]["mychannel"]["sequence"] == 2
    assert second["packages"]["Org1MSP"]["packageId"].startswith("simple_1.1:")
    # Org1's commit before Org2 approved: it waits, naming Org2, and commits nothing.
    cluster.load(output)
    for prefix in ("simple-approve-mychannel", "simple-commit-mychannel"):
        early = cluster.run_job(cluster.find("org1", "Job", prefix)[0], env={"ATTEMPTS": "1"})
    assert early.returncode == 1
    assert "waiting for simple sequence 2 approvals on mychannel from: Org2MSP" in early.output
    assert str(_committed(cluster)["sequence"]) == "1"
    runs = cluster.sync(output)
    assert _names(runs) == lifecycle
    assert "Org1MSP has approved simple sequence 2" in runs[0].output
    assert "committed simple sequence 2 on mychannel" in runs[-1].output
    committed = _committed(cluster)
    assert str(committed["sequence"]) == "2" and committed["version"] == "1.1"
    assert second["packages"]["Org2MSP"]["packageId"] in _installed(cluster, "peer0.org2:7051")
    # Version 1.1 needs its own Init (Fabric keys it by version); it sets c and d only, so the
    # state of a and b shows what the upgrade kept. The new package's server answers.
    _invoke(cluster, "init", "c", "1", "d", "2", init=True)
    assert _query(cluster, "a", "peer0.org2:7051") == "90"
    _invoke(cluster, "invoke", "a", "b", "5")
    assert _query(cluster, "a", "peer0.org1:7051") == "85"
    assert _query(cluster, "b", "peer0.org2:7051") == "215"
