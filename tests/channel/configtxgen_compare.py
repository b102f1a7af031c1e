"""Manual cross-check of the channel stage against the real configtxgen (not a pytest module).

For a cluster-config, this generates crypto material with cryptogen, builds the artifacts with
``fabgitops.channel``, writes the equivalent configtx.yaml, runs configtxgen for the same
artifacts, decodes both sides with configtxlator and diffs the JSON, ignoring what is random or
time-dependent (nonce, timestamp, tx_id, data_hash). The suite never needs these tools; what this
comparison showed is encoded as assertions in test_*.py.

Usage (binaries as built in /work/fabric-bin, see its README.txt):

    python tests/channel/configtxgen_compare.py CLUSTER_CONFIG.yaml --fabric-bin DIR [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fabgitops import yamlio
from fabgitops.channel import build_artifacts
from fabgitops.channel.paths import (
    SYSTEM_CHANNEL_BLOCK,
    anchors_tx_path,
    channel_tx_path,
    genesis_block_path,
)
from fabgitops.channel.profile import CHANNEL_CAPABILITY, CONSORTIUM, SMARTBFT_DEFAULTS
from fabgitops.plan import SYSTEM_CHANNEL, Org, Plan
from fabgitops.validate import validate

_IGNORED = {"nonce", "timestamp", "tx_id", "data_hash"}


def _crypto_config(data: dict[str, Any]) -> dict[str, Any]:
    """The crypto-config.yaml part of a cluster-config (the keys cryptogen reads)."""
    def org(o: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in o.items()
                if k in ("Name", "Domain", "EnableNodeOUs", "Template", "Specs", "Users", "CA")}
    return {"OrdererOrgs": [org(o) for o in data.get("OrdererOrgs", [])],
            "PeerOrgs": [org(o) for o in data.get("PeerOrgs", [])]}


def _policies(policies: Any) -> dict[str, Any]:
    return {k: {"Type": p.type.value, "Rule": p.rule} for k, p in policies.items()}


def _org(plan: Plan, org: Org) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": org.name, "ID": org.msp_id,
                           "MSPDir": f"crypto-config/{org.crypto_dir}/msp",
                           "Policies": _policies(org.policies)}
    if org in plan.orderer_orgs:
        out["OrdererEndpoints"] = [str(n.address) for n in org.nodes]
    elif org.anchor_peers:
        out["AnchorPeers"] = [{"Host": org.node(h).address.host, "Port": org.node(h).address.port}
                              for h in org.anchor_peers]
    return out


def _orderer(plan: Plan) -> dict[str, Any]:
    consensus = plan.consensus
    ordering: dict[str, Any] = {
        "OrdererType": consensus.type.value, "BatchTimeout": consensus.batch_timeout,
        "BatchSize": {"MaxMessageCount": consensus.max_message_count,
                      "AbsoluteMaxBytes": consensus.absolute_max_bytes,
                      "PreferredMaxBytes": consensus.preferred_max_bytes},
        "Organizations": [_org(plan, o) for o in plan.orderer_orgs],
        "Capabilities": {"V2_0": True},
        "Policies": {"Readers": {"Type": "ImplicitMeta", "Rule": "ANY Readers"},
                     "Writers": {"Type": "ImplicitMeta", "Rule": "ANY Writers"},
                     "Admins": {"Type": "ImplicitMeta", "Rule": "MAJORITY Admins"},
                     "BlockValidation": {"Type": "ImplicitMeta", "Rule": "ANY Writers"}},
    }
    nodes = []
    for i, (org, node) in enumerate(plan.orderers(), start=1):
        base = f"crypto-config/{org.crypto_dir}/orderers/{node.identity.common_name}"
        nodes.append({"ID": i, "Host": node.address.host, "Port": node.address.port,
                      "MSPID": org.msp_id, "ClientTLSCert": f"{base}/tls/server.crt",
                      "ServerTLSCert": f"{base}/tls/server.crt",
                      "Identity": f"{base}/msp/signcerts/{node.identity.common_name}-cert.pem"})
    if consensus.type.value == "etcdraft":
        raft = consensus.etcdraft
        ordering["EtcdRaft"] = {
            "Consenters": [{k: v for k, v in n.items() if k in
                            ("Host", "Port", "ClientTLSCert", "ServerTLSCert")} for n in nodes],
            "Options": {"TickInterval": raft.tick_interval, "ElectionTick": raft.election_tick,
                        "HeartbeatTick": raft.heartbeat_tick,
                        "MaxInflightBlocks": raft.max_inflight_blocks,
                        "SnapshotIntervalSize": raft.snapshot_interval_size}}
    elif consensus.type.value == "BFT":
        ordering["ConsenterMapping"] = nodes
        configured = consensus.smartbft.model_dump(by_alias=True, exclude_none=True)
        if configured:  # a partial section: give configtxgen every field, as fabgitops does
            defaults = {"".join(w.capitalize() for w in k.split("_")): v
                        for k, v in SMARTBFT_DEFAULTS.items()}
            if "LeaderRotation" in configured:  # viper decodes the enum only from its number
                configured["LeaderRotation"] = {"ROTATION_OFF": 1, "ROTATION_ON": 2}[
                    configured["LeaderRotation"]]
            ordering["SmartBFT"] = {**defaults, **configured}
    elif consensus.type.value == "kafka" and plan.kafka:
        ordering["Kafka"] = {"Brokers": [str(b) for b in plan.kafka.brokers]}
    return ordering


def _configtx(plan: Plan) -> dict[str, Any]:
    channel = {"Policies": {"Readers": {"Type": "ImplicitMeta", "Rule": "ANY Readers"},
                            "Writers": {"Type": "ImplicitMeta", "Rule": "ANY Writers"},
                            "Admins": {"Type": "ImplicitMeta", "Rule": "MAJORITY Admins"}},
               "Capabilities": {CHANNEL_CAPABILITY[plan.fabric_version]: True}}
    profiles: dict[str, Any] = {}
    for ch in plan.channels:
        app: dict[str, Any] = {"Organizations": [_org(plan, plan.org(n)) for n in ch.peer_orgs],
                               "Policies": _policies(ch.policies),
                               "Capabilities": {"V2_5": True}}
        if ch.acls:
            app["ACLs"] = dict(ch.acls)
        if plan.consensus.uses_system_channel:
            profiles[f"C_{ch.name}"] = {**channel, "Consortium": CONSORTIUM, "Application": app}
        else:
            profiles[f"C_{ch.name}"] = {**channel, "Orderer": _orderer(plan), "Application": app}
    if plan.consensus.uses_system_channel:
        profiles["System"] = {**channel, "Orderer": _orderer(plan), "Consortiums": {
            CONSORTIUM: {"Organizations": [_org(plan, o) for o in plan.peer_orgs]}}}
    return {"Profiles": profiles}


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([str(a) for a in args], check=False, env=env, capture_output=True,
                          text=True)
    if done.returncode:
        sys.exit(f"{args[0]} failed:\n{done.stderr[-2000:]}")


def _normalized(path: Path) -> Any:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in _IGNORED}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return strip(json.loads(path.read_text()))


def compare(config_path: Path, fabric_bin: Path, work: Path) -> int:
    """Build both sides in ``work`` and print a diff per artifact; return the number differing."""
    document = yamlio.parse(config_path.read_bytes(), source=str(config_path))
    plan, _ = validate(document)
    (work / "crypto-config.yaml").write_text(yamlio.dump(_crypto_config(document.data)))
    _run(fabric_bin / "cryptogen", "generate", f"--config={work / 'crypto-config.yaml'}",
         f"--output={work / 'crypto-config'}")
    root = work / "crypto-config"
    material = {p.relative_to(root).as_posix(): p.read_bytes()
                for p in root.rglob("*") if p.is_file()}
    ours = build_artifacts(plan, material, {}, clock=lambda: datetime.now(UTC),
                           rng=os.urandom).files()
    (work / "configtx.yaml").write_text(yamlio.dump(_configtx(plan)))
    env = {**os.environ, "FABRIC_CFG_PATH": str(work), "FABRIC_LOGGING_SPEC": "error"}
    gen = fabric_bin / "configtxgen"
    jobs: list[tuple[str, list[str], str]] = []
    if plan.consensus.uses_system_channel:
        jobs.append((SYSTEM_CHANNEL_BLOCK, ["-profile", "System", "-channelID", SYSTEM_CHANNEL,
                                           "-outputBlock"], "common.Block"))
        for ch in plan.channels:
            jobs.append((channel_tx_path(ch.name), ["-profile", f"C_{ch.name}", "-channelID",
                                                    ch.name, "-outputCreateChannelTx"],
                         "common.Envelope"))
            for name in ch.peer_orgs:
                org = plan.org(name)
                if org.anchor_peers:
                    jobs.append((anchors_tx_path(ch.name, org.msp_id),
                                 ["-profile", f"C_{ch.name}", "-channelID", ch.name, "-asOrg",
                                  org.name, "-outputAnchorPeersUpdate"], "common.Envelope"))
    else:
        for ch in plan.channels:
            jobs.append((genesis_block_path(ch.name), ["-profile", f"C_{ch.name}", "-channelID",
                                                       ch.name, "-outputBlock"], "common.Block"))
    differing = 0
    for i, (artifact, args, kind) in enumerate(jobs):
        theirs, mine = work / f"theirs{i}", work / f"mine{i}"
        _run(gen, *args, theirs, env=env)
        mine.write_bytes(ours[artifact])
        for path in (theirs, mine):
            _run(fabric_bin / "configtxlator", "proto_decode", "--type", kind, "--input", path,
                 "--output", f"{path}.json")
        left, right = _normalized(Path(f"{theirs}.json")), _normalized(Path(f"{mine}.json"))
        same = left == right
        differing += not same
        print(f"{artifact}: {'identical' if same else 'DIFFERENT'}")
        if not same:
            for path, tree in ((theirs, left), (mine, right)):
                Path(f"{path}.norm.json").write_text(json.dumps(tree, indent=1, sort_keys=True))
            subprocess.run(["diff", "-u", f"{theirs}.norm.json", f"{mine}.norm.json"], check=False)
    return differing


def main() -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("--fabric-bin", type=Path, required=True)
    parser.add_argument("--keep", type=Path, help="work directory to keep (default: temporary)")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return compare(args.config, args.fabric_bin, args.keep)
    with tempfile.TemporaryDirectory() as work:
        return compare(args.config, args.fabric_bin, Path(work))


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
