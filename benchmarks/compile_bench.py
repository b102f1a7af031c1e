"""Benchmark of the whole compile (validate -> plan -> crypto -> channels -> render -> seal).

Synthetic networks of growing size: N peer orgs of 10 peers (CouchDB) plus one orderer org of
5 orderers, one channel with every org. For each size it prints the wall time of a cold compile
into an empty directory (every key created, written to disk), of a warm recompile with nothing
to change (the CI case: `compile --check` on every pull request), and the process's peak RSS.
Run: ``python benchmarks/compile_bench.py [--sizes 10,50,100]``.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from fabgitops.crypto import SystemKeyGen, system_clock
from fabgitops.deliver import Mode, run
from fabgitops.gather import Environment, Request
from fabgitops.keystore.identity import AgeIdentity

REPO = Path(__file__).resolve().parent.parent
SEAL_CERT = REPO / "examples" / "article" / "sealed-secrets-cert.pem"


def config_text(orgs: int, peers: int = 10, orderers: int = 5) -> str:
    """A valid cluster-config of the given size."""
    lines = ["OrdererOrgs:", "  - Name: Orderer", "    Domain: orderer", "    EnableNodeOUs: true",
             "    Template:", f"      Count: {orderers}", "PeerOrgs:"]
    for i in range(1, orgs + 1):
        lines += [f"  - Name: Org{i}", f"    Domain: org{i}", "    EnableNodeOUs: true",
                  "    Template:", f"      Count: {peers}", "    Users:", "      Count: 1"]
    lines += ["GitOps:", "  RepoURL: https://git.example.com/acme/fabric.git"]
    return "\n".join(lines) + "\n"


def environment(home: Path) -> Environment:
    identity = AgeIdentity.generate("benchmark")
    import os

    return Environment({"FABGITOPS_AGE_IDENTITY": identity.secret_keys[0]}, home, system_clock,
                       SystemKeyGen(), os.urandom, lambda _root, _remote: None)


def bench(orgs: int) -> tuple[int, int, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "cluster-config.yaml"
        config.write_text(config_text(orgs))
        env = environment(root)
        request = Request(config, None, SEAL_CERT)
        start = time.perf_counter()
        cold = run(request, env, Mode.WRITE)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = run(request, env, Mode.CHECK)
        warm_s = time.perf_counter() - start
        assert not warm.compiled.changes
        nodes = sum(len(o.nodes) for o in cold.compiled.plan.orgs)
        return nodes, len(cold.compiled.tree), cold_s, warm_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,50,100", help="comma-separated peer org counts")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(f"{'peer orgs':>9} {'nodes':>6} {'files':>7} {'cold s':>8} {'recompile s':>12}")
    for orgs in sizes:
        nodes, files, cold, warm = bench(orgs)
        print(f"{orgs:>9} {nodes:>6} {files:>7} {cold:>8.2f} {warm:>12.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
