"""A loopback stand-in for a Kubernetes cluster that runs the compiled manifests with real Fabric.

It reads what GitOps would apply (``kubectl kustomize overlays/<ns>``) and plays kubelet for the
pods fabgitops renders: StatefulSets of orderers and peers, and Jobs. Each container runs as a
local process with

- the container's environment (``valueFrom`` resolved, ``$(VAR)`` expanded in args);
- its volumes (ConfigMaps, Secrets in ``Secrets.Mode: plain``, projected, emptyDir, claims)
  bind-mounted at their mount paths in a private mount namespace, over a tmpfs at
  ``/etc/hyperledger``, ``/var/hyperledger`` and ``/opt/hyperledger`` holding the image's files
  (``sampleconfig`` at ``/etc/hyperledger/fabric``, as the Fabric images ship it);
- the Fabric binaries of ``FABRIC_BIN`` first on PATH.

Every process lives in one private network namespace (only loopback, so nothing clashes with
anything else on the machine; a private 10.254.254.254 on loopback is there because a peer
insists on one non-loopback IPv4 address, core/peer/config.go getLocalIP): each Service name
(``peer0.org1``, with its ``.svc`` forms) resolves through a private ``/etc/hosts`` to its own
127.0.x.y address, and listen addresses ``0.0.0.0`` become the pod's address, so the manifests'
own host names and ports work unchanged (no port is opened outside the namespace).
Needs root (unshare/nsenter); the tests skip with a reason otherwise.

API: ``Cluster(work, fabric_bin, fabric_config)``; ``sync(output)`` starts or restarts pods and
runs the Jobs not yet run, in GitOps order; ``run_job`` / ``run_script`` run one Job (or any
script with a Job's env and mounts); ``stop()``.

Chaincode (tests/fabric/test_chaincode.py): ``programs={image: argv}`` runs the Deployments of
that image (a chaincode server) as ``argv`` with the container's env and mounts, and Jobs from
sync wave ``CHAINCODE_JOBS`` on (install, approve, commit) run after every namespace's earlier
Jobs, ordered by wave across namespaces, as Argo CD applies the org Applications side by side: a
commit in org1 waits for org2's approval, not for org1's namespace to finish.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fabgitops.waves import Wave

Manifest = dict[str, Any]
ROOTS = ("/etc/hyperledger", "/var/hyperledger", "/opt/hyperledger")
FABRIC_IMAGES = ("hyperledger/fabric-peer", "hyperledger/fabric-orderer",
                 "hyperledger/fabric-tools")
WAVE = "argocd.argoproj.io/sync-wave"
CROSS_NAMESPACE_WAVE = int(Wave.CHAINCODE_JOBS)
"""Jobs from this wave on run after every namespace's earlier Jobs, by wave across namespaces."""


class JobFailed(AssertionError):
    """A Job's script exited non-zero; the message carries its output."""


@dataclass(frozen=True)
class JobRun:
    """One finished Job run."""

    namespace: str
    name: str
    returncode: int
    output: str


@dataclass
class _Pod:
    namespace: str
    name: str
    digest: str
    processes: list[subprocess.Popen[bytes]]


def kustomize(kubectl: str, overlay: Path) -> list[Manifest]:
    """The objects of one overlay, as GitOps applies them."""
    out = subprocess.run([kubectl, "kustomize", str(overlay)], check=True, capture_output=True,
                         timeout=120).stdout
    return [d for d in yaml.safe_load_all(out) if isinstance(d, dict)]


class Cluster:
    """Pods and Jobs of compiled overlays, run as processes on loopback."""

    def __init__(self, work: Path, fabric_bin: Path, fabric_config: Path, *,
                 kubectl: str,
                 image_files: Mapping[str, Path] | None = None,
                 versions: Mapping[str, tuple[Path, Path]] | None = None,
                 programs: Mapping[str, list[str]] | None = None) -> None:
        """``versions``: ``{"2.5": (bin, sampleconfig), ...}`` picked by a Fabric image's tag
        (``hyperledger/fabric-peer:2.5.16``); other images get ``fabric_bin``/``fabric_config``.
        ``programs``: ``{image: argv}`` for Deployments of non-Fabric images (chaincode servers).
        """
        self.work = work
        # Image reference -> the command that stands in for it (non-Fabric workloads).
        self.programs = dict(programs or {})
        self.fabric_bin = fabric_bin
        self.versions = dict(versions or {})
        self.kubectl = kubectl
        # Absolute path in the container -> host path, for every Fabric image.
        self.image_files = {"/etc/hyperledger/fabric": fabric_config, **(image_files or {})}
        self.objects: dict[str, list[Manifest]] = {}
        self.pods: dict[tuple[str, str], _Pod] = {}
        self.done: set[tuple[str, str]] = set()
        self.addresses: dict[str, str] = {}
        work.mkdir(parents=True, exist_ok=True)
        (work / "logs").mkdir(exist_ok=True)
        self._holder = subprocess.Popen(
            ["unshare", "--net", "--fork", "--kill-child", "--", "sh", "-c",
             "ip link set lo up && ip addr add 10.254.254.254/32 dev lo && echo ready && "
             "exec sleep infinity"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self._holder.stdout is not None
        ready = self._holder.stdout.readline().strip() == b"ready"
        self._holder.stdout.close()
        if not ready:
            self._holder.kill()
            self._holder.wait()
            raise RuntimeError("cannot create a network namespace (root and unshare needed)")
        # unshare(2) moved the unshare process itself into the new namespace.
        self._netns = f"/proc/{self._holder.pid}/ns/net"

    # -- objects ----------------------------------------------------------------------------

    def load(self, output: Path) -> None:
        """Read every overlay of a compiled output (what the GitOps engine would apply)."""
        self.objects = {d.name: kustomize(self.kubectl, d)
                        for d in sorted((output / "overlays").iterdir()) if d.is_dir()}
        services = sorted((o["metadata"]["namespace"], o["metadata"]["name"])
                          for docs in self.objects.values() for o in docs
                          if o["kind"] == "Service")
        for namespace, name in services:
            key = f"{name}.{namespace}"
            if key not in self.addresses:
                n = len(self.addresses) + 2
                self.addresses[key] = f"127.0.{n // 250}.{n % 250 + 2}"
        lines = ["127.0.0.1 localhost"] + [
            f"{ip} {host} {host}.svc {host}.svc.cluster.local"
            for host, ip in sorted(self.addresses.items())]
        (self.work / "hosts").write_text("\n".join(lines) + "\n")

    def order(self) -> list[str]:
        """Namespaces in GitOps order: orderer orgs before peer orgs (``fabgitops.waves``)."""
        def rank(ns: str) -> int:
            kinds = {c["name"] for o in self.objects[ns] if o["kind"] == "StatefulSet"
                     for c in o["spec"]["template"]["spec"]["containers"]}
            return 0 if "orderer" in kinds else 1
        return sorted(self.objects, key=lambda ns: (rank(ns), ns))

    def find(self, namespace: str, kind: str, prefix: str = "") -> list[Manifest]:
        """Objects of a kind in a namespace whose name starts with ``prefix``."""
        return [o for o in self.objects.get(namespace, []) if o["kind"] == kind
                and o["metadata"]["name"].startswith(prefix)]

    def _data(self, namespace: str, kind: str, name: str) -> dict[str, bytes]:
        matches = [o for o in self.find(namespace, kind) if o["metadata"]["name"] == name]
        if not matches:
            raise KeyError(f"{kind} {namespace}/{name} is not in the output (Secrets.Mode must "
                           "be plain for the harness)")
        obj = matches[0]
        out = {k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()}
        if kind == "Secret":
            out.update({k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()})
            out.update({k: v.encode() for k, v in (obj.get("stringData") or {}).items()})
        else:
            out.update({k: v.encode() for k, v in (obj.get("data") or {}).items()})
        return out

    # -- pods -------------------------------------------------------------------------------

    def sync(self, output: Path, *, attempts: int = 6, timeout: float = 300) -> list[JobRun]:
        """Converge on a compiled output: (re)start changed pods, run new Jobs, in order.

        Raises:
            JobFailed: a Job failed (its output is in the message).
        """
        self.load(output)
        runs: list[JobRun] = []
        later: list[tuple[int, int, str, Manifest]] = []
        for rank, namespace in enumerate(self.order()):
            # Deployments only with a program (a chaincode server), never the fabric-tools CLI.
            programs = [d for d in self.find(namespace, "Deployment") if any(
                c["image"] in self.programs for c in d["spec"]["template"]["spec"]["containers"])]
            for workload in self.find(namespace, "StatefulSet") + programs:
                self._ensure_pod(namespace, workload)
            jobs = sorted(self.find(namespace, "Job"), key=lambda j: (
                _wave(j), j["metadata"]["name"]))
            for job in jobs:
                if _wave(job) >= CROSS_NAMESPACE_WAVE:
                    later.append((_wave(job), rank, job["metadata"]["name"], job))
                else:
                    self._run_once(job, runs, attempts, timeout)
        for *_, job in sorted(later, key=lambda entry: entry[:3]):
            self._run_once(job, runs, attempts, timeout)
        return runs

    def _run_once(self, job: Manifest, runs: list[JobRun], attempts: int,
                  timeout: float) -> None:
        key = (job["metadata"]["namespace"], job["metadata"]["name"])
        if key in self.done:
            return
        run = self.run_job(job, env={"ATTEMPTS": str(attempts)}, timeout=timeout)
        runs.append(run)
        if run.returncode != 0:
            raise JobFailed(f"Job {key[0]}/{run.name} failed:\n{run.output}")
        self.done.add(key)

    def _ensure_pod(self, namespace: str, sts: Manifest) -> None:
        name = sts["metadata"]["name"]
        spec = sts["spec"]["template"]["spec"]
        if not any(self._runs(c) for c in spec["containers"]):
            return  # CAs, Kafka, ZooKeeper: not part of the harness
        digest = hashlib.sha256(json.dumps([spec, self._inputs(namespace, spec)],
                                           sort_keys=True, default=str).encode()).hexdigest()
        pod = self.pods.get((namespace, name))
        if pod is not None and pod.digest == digest:
            return
        if pod is not None:
            self._stop_pod(pod)
        claims = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])}
        ip = self.addresses[f"{name}.{namespace}"]
        pod = _Pod(namespace, name, digest, [])
        volumes = self._volumes(namespace, name, spec, claims)
        for init in spec.get("initContainers", []):
            proc = self._launch(namespace, name, volumes, init, ip)
            if proc.wait(timeout=60) != 0:
                raise RuntimeError(f"init container {init['name']} of {namespace}/{name} failed")
        for container in spec["containers"]:
            if self._runs(container):
                pod.processes.append(self._launch(
                    namespace, name, volumes, container, ip,
                    command=self.programs.get(container["image"])))
        self.pods[(namespace, name)] = pod
        ports = [p["containerPort"] for c in spec["containers"]
                 if self._runs(c) for p in c.get("ports", [])]
        self._wait_ports(pod, ip, ports)

    def _runs(self, container: Manifest) -> bool:
        """Whether the harness runs this container: Fabric images, and images with a program."""
        image = container["image"]
        return bool(image.startswith(FABRIC_IMAGES) or image in self.programs)

    def _inputs(self, namespace: str, spec: Manifest) -> list[Any]:
        refs = sorted({(kind, name) for kind, name, _ in _sources(spec)})
        return [(k, n, sorted(self._data(namespace, k, n).items())) for k, n in refs]

    def _wait_ports(self, pod: _Pod, ip: str, ports: list[int], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for port in ports:
            while subprocess.run(["nsenter", f"--net={self._netns}", "--", "bash", "-c",
                                  f"echo > /dev/tcp/{ip}/{port}"], capture_output=True).returncode:
                if time.monotonic() > deadline or any(p.poll() is not None
                                                      for p in pod.processes):
                    raise RuntimeError(f"{pod.namespace}/{pod.name} did not listen on {port}; "
                                       f"see {self.work / 'logs'}")
                time.sleep(0.3)

    def _launch(self, namespace: str, pod: str, volumes: Mapping[str, Path],
                container: Manifest, ip: str, *, log: Path | None = None,
                command: list[str] | None = None,
                env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        mounts = [(str(volumes[m["name"]] / m.get("subPath", "")), m["mountPath"])
                  for m in container.get("volumeMounts", []) if m["name"] in volumes]
        environment = self._env(namespace, container, ip)
        environment.update(env or {})
        argv = command or [_expand(a, environment) for a in
                           [*container.get("command", []), *container.get("args", [])]]
        script = self._mount_script(mounts, container["image"])
        logfile = log or self.work / "logs" / f"{namespace}-{pod}-{container['name']}.log"
        with logfile.open("ab") as sink:
            return subprocess.Popen(
                ["nsenter", f"--net={self._netns}", "--", "unshare", "--mount",
                 "--propagation", "private", "--", "bash", "-c", script, "pod", *argv],
                env=environment, stdout=sink, stderr=subprocess.STDOUT, cwd="/",
                start_new_session=True)

    def _mount_script(self, mounts: list[tuple[str, str]], image: str) -> str:
        lines = ["set -e"]
        for root in ROOTS:
            lines += [f"mkdir -p {root}", f"mount -t tmpfs tmpfs {root}"]
        if image.startswith(FABRIC_IMAGES):
            files = dict(self.image_files)
            files["/etc/hyperledger/fabric"] = self._release(image)[1]
            for image_path, host_path in sorted(files.items()):
                lines += [f"mkdir -p {shlex.quote(image_path)}",
                          f"cp -a {shlex.quote(str(host_path))}/. {shlex.quote(image_path)}/"]
        tmp: str | None = None
        for source, target in mounts:
            if target == "/tmp":
                tmp = source
                continue
            make = "mkdir -p" if Path(source).is_dir() else "touch"
            lines += [f"mkdir -p {shlex.quote(str(Path(target).parent))}",
                      f"{make} {shlex.quote(target)}",
                      f"mount --bind {shlex.quote(source)} {shlex.quote(target)}"]
        lines.append(f"mount --bind {shlex.quote(str(self.work / 'hosts'))} /etc/hosts")
        if tmp is not None:  # last: the sources above may live under /tmp
            lines.append(f"mount --bind {shlex.quote(tmp)} /tmp")
        lines.append('exec "$@"')
        return "\n".join(lines)

    def _release(self, image: str) -> tuple[Path, Path]:
        """The binaries and sampleconfig for an image."""
        tag = image.rsplit(":", 1)[-1]
        version = ".".join(tag.split(".")[:2])
        default = (self.fabric_bin, self.image_files["/etc/hyperledger/fabric"])
        return self.versions.get(version, default) if image.startswith(FABRIC_IMAGES) \
            else default

    def _env(self, namespace: str, container: Manifest, ip: str) -> dict[str, str]:
        env = {"PATH": f"{self._release(container['image'])[0]}:/usr/local/bin:/usr/bin:/bin",
               "FABRIC_CFG_PATH": "/etc/hyperledger/fabric"}
        for item in container.get("env", []):
            if "value" in item:
                value = _expand(str(item["value"]), env)
            else:
                ref = item["valueFrom"].get("secretKeyRef") or item["valueFrom"][
                    "configMapKeyRef"]
                kind = "Secret" if "secretKeyRef" in item["valueFrom"] else "ConfigMap"
                value = self._data(namespace, kind, ref["name"])[ref["key"]].decode()
            # Every pod listens on its own loopback address (one network namespace for all).
            env[item["name"]] = re.sub(r"^0\.0\.0\.0(?=:|$)", ip, value)
        return env

    def _volumes(self, namespace: str, pod: str, spec: Manifest,
                 claims: set[str]) -> dict[str, Path]:
        """Every volume of one pod start: claims persist across restarts, the rest is new."""
        base = self.work / "pods" / namespace / pod
        out: dict[str, Path] = {}
        for claim in claims:
            out[claim] = base / "claims" / claim
            out[claim].mkdir(parents=True, exist_ok=True)
        run = base / "run" / str(time.monotonic_ns())
        for volume in spec.get("volumes", []):
            path = run / volume["name"]
            path.mkdir(parents=True)
            if "emptyDir" in volume:
                pass
            elif "configMap" in volume or "secret" in volume:
                kind = "ConfigMap" if "configMap" in volume else "Secret"
                source = volume.get("configMap") or volume["secret"]
                self._project(namespace, kind, source.get("name") or source.get("secretName"),
                              source.get("items"), path)
            elif "projected" in volume:
                for source in volume["projected"]["sources"]:
                    kind = "ConfigMap" if "configMap" in source else "Secret"
                    ref = source.get("configMap") or source["secret"]
                    self._project(namespace, kind, ref["name"], ref.get("items"), path)
            out[volume["name"]] = path
        return out

    def _project(self, namespace: str, kind: str, name: str, items: list[Manifest] | None,
                 path: Path) -> None:
        data = self._data(namespace, kind, name)
        chosen = items or [{"key": k, "path": k} for k in data]
        for item in chosen:
            target = path / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[item["key"]])

    # -- jobs -------------------------------------------------------------------------------

    def run_job(self, job: Manifest, *, env: Mapping[str, str] | None = None,
                script: str | None = None, timeout: float = 300) -> JobRun:
        """Run a Job's container (or ``script`` with its env and mounts) to completion."""
        namespace, name = job["metadata"]["namespace"], job["metadata"]["name"]
        spec = job["spec"]["template"]["spec"]
        [container] = spec["containers"]
        log = self.work / "logs" / f"{namespace}-{name}.log"
        command = ["bash", "-c", script] if script is not None else None
        start = log.stat().st_size if log.exists() else 0
        volumes = self._volumes(namespace, name, spec, set())
        proc = self._launch(namespace, name, volumes, container, "127.0.0.1", log=log,
                            command=command, env=env)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            code = proc.wait()
        with log.open("rb") as handle:
            handle.seek(start)
            output = handle.read().decode(errors="replace")
        return JobRun(namespace, name, code, output)

    def run_script(self, job: Manifest, script: str, *, timeout: float = 120) -> JobRun:
        """Any script with a Job's environment and mounts (an admin's CLI session)."""
        return self.run_job(job, script=script, timeout=timeout)

    # -- teardown ---------------------------------------------------------------------------

    def _stop_pod(self, pod: _Pod) -> None:
        for proc in pod.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
        for proc in pod.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()

    def stop(self) -> None:
        """Stop every pod and the network namespace."""
        for pod in self.pods.values():
            self._stop_pod(pod)
        self.pods.clear()
        if self._holder.poll() is None:
            self._holder.kill()  # --kill-child takes the namespace's sleeper with it
            self._holder.wait(timeout=10)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wave(obj: Manifest) -> int:
    return int(obj["metadata"].get("annotations", {}).get(WAVE, "0"))


def _sources(spec: Manifest) -> Iterator[tuple[str, str, list[Manifest] | None]]:
    for volume in spec.get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"], None
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"], None
        for source in volume.get("projected", {}).get("sources", []):
            if "configMap" in source:
                yield "ConfigMap", source["configMap"]["name"], None
            if "secret" in source:
                yield "Secret", source["secret"]["name"], None


def _expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion (unknown names stay as written)."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)),
                  text)

