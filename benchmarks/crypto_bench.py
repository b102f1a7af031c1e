"""Benchmark of the crypto stage: 100 peer orgs x 10 peers + 5 orderers.

Prints a table of wall time and peak memory for a cold generation (empty keystore), a warm
compile (everything reused: decrypt and re-check), the in-memory cryptogen tree and the
export. Run: ``/work/venv/bin/python benchmarks/crypto_bench.py [--orgs N --peers N]``.
Target: cold generation under 1.5 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fabgitops import plan as plan_stage
from fabgitops import yamlio
from fabgitops.crypto import CryptoMaterial, SystemKeyGen, export_crypto, issue, system_clock
from fabgitops.crypto.keys import PrivateKey
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.model import ClusterConfig

T = TypeVar("T")


def config_text(orgs: int, peers: int, orderers: int) -> str:
    """A cluster-config with ``orgs`` peer orgs of ``peers`` peers and one orderer org."""
    lines = ["OrdererOrgs:", "  - Name: Orderer", "    Domain: orderer.example.com",
             "    EnableNodeOUs: true", "    Template:", f"      Count: {orderers}",
             "PeerOrgs:"]
    for i in range(1, orgs + 1):
        lines += [f"  - Name: Org{i}", f"    Domain: org{i}.example.com",
                  "    EnableNodeOUs: true", "    Template:", f"      Count: {peers}",
                  "    Users:", "      Count: 1"]
    return "\n".join(lines) + "\n"


class TimedKeyGen(SystemKeyGen):
    """The production KeyGen, timing key generation to show it is not the bottleneck."""

    spent: float = 0.0

    def private_key(self, label: str) -> PrivateKey:
        start = time.perf_counter()
        key = super().private_key(label)
        TimedKeyGen.spent += time.perf_counter() - start
        return key


def measure(step: Callable[[], T], trace: bool) -> tuple[T, float, float]:
    """Run ``step``; return its result, seconds, and peak traced MiB (0 if not traced)."""
    gc.collect()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = step()
    elapsed = time.perf_counter() - start
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return result, elapsed, peak


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--peers", type=int, default=10)
    parser.add_argument("--orderers", type=int, default=5)
    args = parser.parse_args()

    text = config_text(args.orgs, args.peers, args.orderers)
    document = yamlio.parse(text, source="bench.yaml")
    plan, _ = plan_stage.build(ClusterConfig.model_validate_json(json.dumps(document.data)),
                               document)
    identity = AgeIdentity.generate("benchmark")
    keygen = TimedKeyGen()

    def cold() -> CryptoMaterial:
        return issue(plan, {}, clock=system_clock, keygen=keygen, identity=identity)

    rows: list[tuple[str, float, float, str]] = []
    material, seconds, _ = measure(cold, trace=False)
    keys = sum(1 for p in material.keystore if p.endswith(".age"))
    rows.append(("cold generation", seconds, 0.0, f"{keys} keys/credentials sealed"))
    rows.append(("  of which key generation", TimedKeyGen.spent, 0.0, "ECDSA P-256 keygen"))
    _, _, peak = measure(cold, trace=True)
    rows.append(("cold generation (traced)", float("nan"), peak, "tracemalloc peak"))

    def warm() -> CryptoMaterial:
        return issue(plan, material.keystore, clock=system_clock, keygen=keygen,
                     identity=identity)

    again, seconds, _ = measure(warm, trace=False)
    assert again.keystore == material.keystore
    rows.append(("warm compile (all reused)", seconds, 0.0, "byte-identical keystore"))
    files, seconds, _ = measure(lambda: again.files, trace=False)
    rows.append(("cryptogen tree in memory", seconds, 0.0, f"{len(files)} files"))
    with tempfile.TemporaryDirectory() as tmp:
        written, seconds, _ = measure(
            lambda: export_crypto(again, Path(tmp) / "crypto-config"), trace=False)
    rows.append(("export_crypto", seconds, 0.0, f"{len(written)} files written"))

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    nodes = sum(len(o.nodes) for o in plan.orgs)
    print(f"crypto stage: {args.orgs} peer orgs x {args.peers} peers + {args.orderers} orderers"
          f" ({nodes} nodes, {len(plan.orgs)} orgs)")
    print(f"{'step':<28}{'seconds':>9}{'peak MiB':>10}  note")
    for name, secs, mib, note in rows:
        secs_text = "" if secs != secs else f"{secs:9.3f}"
        mib_text = f"{mib:10.1f}" if mib else ""
        print(f"{name:<28}{secs_text:>9}{mib_text:>10}  {note}")
    print(f"process peak RSS: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
