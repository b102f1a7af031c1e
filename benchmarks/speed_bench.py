"""Issue 14's benchmark: fabgitops against ``cryptogen generate``, in one run, as ratios.

The network: N peer orgs of 10 peers (CouchDB) plus one orderer org of 5 orderers, and one
channel of the first 20 peer orgs. Every fabgitops figure is a real ``fabgitops`` process
(start-up included), timed from outside:

- cryptogen: ``cryptogen generate`` of the same orgs (only when ``FABRIC_BIN`` names the
  directory holding the binary), the yardstick;
- cold: ``compile`` into an empty directory (every key, certificate, block and file created);
- no-op: ``compile`` again with nothing to change;
- check: ``compile --check`` with nothing to change (the CI case);
- add-one-peer: ``compile`` after one org's ``Template.Count`` grows by one (on a copy of the
  output, so every repetition starts from the same tree);
- startup: ``fabgitops --help`` and ``fabgitops validate`` of the bundled example.

Each step runs ``--repeat`` times; the table shows the median wall time, the median CPU time
(user + system, children included) and the largest peak RSS of a single process. The machine
is shared and noisy: the ratios of one run are what count, and ``uptime`` is printed before and
after. ``--scale 1000`` adds a cold compile of 1000 peer orgs and its ratio to the 100-org cold.

Run: ``FABRIC_BIN=/opt/fabric-bin/v3.1.5 python benchmarks/speed_bench.py [--orgs 100]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "article" / "cluster-config.yaml"
SEAL_CERT = REPO / "examples" / "article" / "sealed-secrets-cert.pem"


@dataclass(frozen=True)
class Run:
    """One process: wall seconds, CPU seconds (self and children), peak RSS in MiB."""

    wall: float
    cpu: float
    rss_mib: float


@dataclass(frozen=True)
class Step:
    """The repetitions of one step."""

    name: str
    runs: tuple[Run, ...]

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss_mib for r in self.runs)


def orgs_yaml(orgs: int, peers: int, orderers: int, first_peers: int | None = None) -> str:
    """The cryptogen part: ``orgs`` peer orgs (the first with ``first_peers``) and orderers."""
    lines = ["OrdererOrgs:", "  - Name: Orderer", "    Domain: orderer", "    EnableNodeOUs: true",
             "    Template:", f"      Count: {orderers}", "PeerOrgs:"]
    for i in range(1, orgs + 1):
        count = first_peers if i == 1 and first_peers is not None else peers
        lines += [f"  - Name: Org{i}", f"    Domain: org{i}", "    EnableNodeOUs: true",
                  "    Template:", f"      Count: {count}", "    Users:", "      Count: 1"]
    return "\n".join(lines) + "\n"


def config_text(orgs: int, peers: int, orderers: int, channel_orgs: int,
                first_peers: int | None = None) -> str:
    """A valid cluster-config: the orgs, one channel of the first ``channel_orgs`` orgs."""
    members = ", ".join(f"Org{i}" for i in range(1, min(orgs, channel_orgs) + 1))
    return (orgs_yaml(orgs, peers, orderers, first_peers)
            + f"Channels:\n  - Name: bench\n    Organizations: [{members}]\n"
            + "GitOps:\n  RepoURL: https://git.example.com/acme/fabric.git\n")


def settle() -> None:
    """Let the disk finish the previous step's writes and deletes before the next is timed.

    Without it, the file system's deferred work of deleting one 13,000-file output (or of
    writing it) lands in whichever process runs next and doubles its time, at random.
    """
    os.sync()
    time.sleep(1)


def timed(argv: Sequence[str], env: dict[str, str], ok: Callable[[int], bool] = lambda c: c == 0
          ) -> Run:
    """Run ``argv`` to completion; its wall time, CPU time and peak RSS (wait4's rusage)."""
    settle()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        # wait4, not Popen.wait: its rusage is this child's (and its children's) alone.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if not ok(process.returncode):
            out.seek(0)
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} exited {process.returncode}:\n"
                             f"{out.read().decode()[-2000:]}{err.read().decode()[-4000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def fabgitops() -> list[str]:
    """The console script of the running interpreter's environment."""
    script = Path(sys.executable).parent / "fabgitops"
    return [str(script)] if script.exists() else [sys.executable, "-m", "fabgitops"]


def environment() -> dict[str, str]:
    """The process environment with a fresh age identity for the keystore."""
    from fabgitops.keystore.identity import AgeIdentity

    identity = AgeIdentity.generate("benchmark")
    return {**os.environ, "FABGITOPS_AGE_IDENTITY": identity.secret_keys[0]}


def compile_bytecode() -> None:
    """Write fabgitops' bytecode as ``pip install`` does. A checkout (or a shell with
    PYTHONDONTWRITEBYTECODE) would otherwise time Python compiling up to 156 modules from
    source in every process: 0.07 s of ``validate`` alone, none of it fabgitops' start-up."""
    import importlib.util

    spec = importlib.util.find_spec("fabgitops")
    assert spec is not None and spec.submodule_search_locations
    subprocess.run([sys.executable, "-m", "compileall", "-q", *spec.submodule_search_locations],
                   check=True, stdout=subprocess.DEVNULL)


def uptime() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Bench:
    """The steps, sharing one scratch directory and one identity."""

    def __init__(self, scratch: Path, env: dict[str, str], repeat: int) -> None:
        self.scratch = scratch
        self.env = env
        self.repeat = repeat
        self.cli = fabgitops()

    def config(self, name: str, text: str) -> Path:
        directory = self.scratch / name
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "cluster-config.yaml"
        path.write_text(text)
        return path

    def compile(self, config: Path, output: Path, *extra: str, code: int = 0) -> Run:
        return timed([*self.cli, "compile", "-c", str(config), "-o", str(output),
                      "--seal-cert", str(SEAL_CERT), *extra], self.env, lambda c: c == code)

    def cryptogen(self, binary: Path, text: str) -> Step:
        config = self.config("cryptogen", text)
        runs = []
        for i in range(self.repeat):
            target = self.scratch / f"cryptogen-out-{i}"
            runs.append(timed([str(binary), "generate", "--config", str(config),
                               "--output", str(target)], self.env))
        return Step("cryptogen generate", tuple(runs))  # outputs kept: see cold()

    def cold(self, config: Path, label: str) -> tuple[Step, Path]:
        """Cold compiles into fresh directories; the last output is kept for the next steps.

        Earlier outputs are not deleted between repetitions: ext4 skips the inodes freed in
        the last minute or more when it allocates new ones, so a 13,000-file delete just before
        a repetition would bill that scan to it (settle() does not help: it is not deferred
        work). The scratch directory goes at the end.
        """
        runs = []
        for i in range(self.repeat):
            output = self.scratch / f"{label}-out-{i}"
            runs.append(self.compile(config, output))
        return Step(f"fabgitops cold {label}", tuple(runs)), output

    def noop(self, config: Path, output: Path) -> tuple[Step, Step]:
        write = tuple(self.compile(config, output) for _ in range(self.repeat))
        check = tuple(self.compile(config, output, "--check") for _ in range(self.repeat))
        return Step("fabgitops no-op", write), Step("fabgitops --check", check)

    def add_peer(self, config: Path, output: Path) -> Step:
        runs = []
        for i in range(self.repeat):
            copy = self.scratch / f"add-peer-{i}"
            shutil.copytree(output, copy, symlinks=True)
            runs.append(self.compile(config, copy))
            check = self.compile(config, copy, "--check")
            assert check.wall > 0  # exit 0: the added peer was written completely
        return Step("fabgitops add-one-peer", tuple(runs))  # copies kept: see cold()

    def startup(self) -> tuple[Step, Step]:
        help_runs = tuple(timed([*self.cli, "--help"], self.env) for _ in range(self.repeat * 2))
        validate_runs = tuple(timed([*self.cli, "validate", "-c", str(EXAMPLE)], self.env)
                              for _ in range(self.repeat * 2))
        return Step("fabgitops --help", help_runs), Step("fabgitops validate", validate_runs)


def import_time(argv: Sequence[str], env: dict[str, str]) -> tuple[float, list[str]]:
    """Total import time of ``argv`` (``python -X importtime``) and its costliest packages."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c",
                             "import sys; from fabgitops.cli import main; sys.argv=['fabgitops',"
                             + ",".join(repr(a) for a in argv) + "]; main()"],
                            env=env, capture_output=True, text=True, check=False)
    rows: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        if len(name) - len(name.lstrip()) == 1:  # a top-level import, not a nested one
            rows.append((int(cumulative), name.strip()))
    total = sum(us for us, _ in rows) / 1e6
    top = [f"{name} {us / 1e3:.0f} ms" for us, name in sorted(rows, reverse=True)[:6]]
    return total, top


def verdict(value: float, limit: float, strict: bool = False) -> str:
    met = value < limit if strict else value <= limit
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--peers", type=int, default=10)
    parser.add_argument("--orderers", type=int, default=5)
    parser.add_argument("--channel-orgs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", type=int, default=0,
                        help="also compile this many peer orgs cold once (e.g. 1000)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    bin_dir = os.environ.get("FABRIC_BIN")
    print(f"{args.orgs} peer orgs x {args.peers} peers + {args.orderers} orderers, one channel "
          f"of {min(args.orgs, args.channel_orgs)} orgs; medians of {args.repeat}; "
          f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"before: {uptime()}")
    env = environment()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="speed-bench-") as tmp:
        bench = Bench(Path(tmp), env, args.repeat)
        steps: list[Step] = []
        yardstick: Step | None = None
        if bin_dir:
            yardstick = bench.cryptogen(Path(bin_dir) / "cryptogen",
                                        orgs_yaml(args.orgs, args.peers, args.orderers))
            steps.append(yardstick)
        text = config_text(args.orgs, args.peers, args.orderers, args.channel_orgs)
        config = bench.config("base", text)
        cold, output = bench.cold(config, f"{args.orgs}x{args.peers}")
        noop, check = bench.noop(config, output)
        bigger = bench.config("plus", config_text(args.orgs, args.peers, args.orderers,
                                                  args.channel_orgs, args.peers + 1))
        add = bench.add_peer(bigger, output)
        helped, validated = bench.startup()
        steps += [cold, noop, check, add, helped, validated]
        scaled: Step | None = None
        if args.scale:
            big = bench.config("scale", config_text(args.scale, args.peers, args.orderers,
                                                    args.channel_orgs))
            bench.repeat = 1
            scaled, _ = bench.cold(big, f"{args.scale}x{args.peers}")
            steps.append(scaled)
    targets = {cold.name: 1.5, noop.name: 0.25, check.name: 0.25, add.name: 0.3}
    print(f"{'step':<26}{'wall s':>8}{'cpu s':>8}{'RSS MiB':>9}{'x cryptogen':>13}  target")
    for step in steps:
        ratio = f"{step.wall / yardstick.wall:13.2f}" if yardstick else f"{'':>13}"
        target = ""
        if step.name in targets and yardstick:
            limit = targets[step.name]
            target = f"<= {limit}x {verdict(step.wall / yardstick.wall, limit)}"
        elif step in (helped, validated):
            target = f"< 0.3 s {verdict(step.wall, 0.3, strict=True)}"
        elif step is scaled:
            growth = step.wall / cold.wall
            target = (f"{growth:.1f}x the {args.orgs}-org cold ({step.cpu / cold.cpu:.1f}x its "
                      f"CPU): <= 11x {verdict(growth, 11)}; RSS < 1024 MiB "
                      f"{verdict(step.rss, 1024, True)}")
        print(f"{step.name:<26}{step.wall:8.2f}{step.cpu:8.2f}{step.rss:9.0f}{ratio}  {target}")
    for argv in (["--help"], ["validate", "-c", str(EXAMPLE)]):
        total, top = import_time(argv, env)
        print(f"imports of fabgitops {argv[0]}: {total:.2f} s; " + ", ".join(top))
    print(f"after: {uptime()}")


if __name__ == "__main__":
    main()
