"""Parties in tests: each with its own output repository, keystore, age identity and key
generator, exchanging only bundle files."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fabgitops import cli
from fabgitops.crypto import CryptoMaterial
from fabgitops.deliver import Mode, Outcome, read_material, run
from fabgitops.gather import Environment, Request
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.parties.bundle import bundle_bytes
from fabgitops.parties.export import export_bundle
from fabgitops.plan import Plan
from tests.crypto.conftest import DeterministicKeyGen
from tests.e2e.support import NOW, counter_random


@dataclass
class Party:
    """One operator: a directory holding its cluster-config and its output repository."""

    name: str
    root: Path
    identity: AgeIdentity = field(default_factory=lambda: AgeIdentity.generate("party"))

    @property
    def config(self) -> Path:
        return self.root / "cluster-config.yaml"

    def env(self) -> Environment:
        # Distinct seeds: parties never share a key by construction of the test.
        return Environment(
            environ={"FABGITOPS_AGE_IDENTITY": self.identity.secret_keys[0]},
            home=self.root.parent / f"{self.name}-home", clock=lambda: NOW,
            keygen=DeterministicKeyGen(seed=f"party-{self.name}"),
            random=counter_random(self.name), repo_url=lambda _r, _m: None)

    def write_config(self, text: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)

    def compile(self, mode: Mode = Mode.WRITE) -> Outcome:
        return run(Request(self.config), self.env(), mode)

    def material(self) -> CryptoMaterial:
        return read_material(Request(self.config), self.env()).material

    def material_plan(self) -> Plan:
        return read_material(Request(self.config), self.env()).plan

    def export(self, org: str, to: Party) -> None:
        """Write ``org``'s bundle into the other party's ``bundles/`` (as a pull request
        would)."""
        prepared = read_material(Request(self.config), self.env())
        data = bundle_bytes(export_bundle(prepared.plan, prepared.material, org,
                                          source=str(self.config)))
        target = to.root / "bundles" / f"{org}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def verify_channel(self, block: Path, *, adopt: bool = False) -> int:
        """``fabgitops verify-channel BLOCK`` as this party (its identity, its repository)."""
        args = ["verify-channel", str(block), "-c", str(self.config)]
        with _environ(FABGITOPS_AGE_IDENTITY=self.identity.secret_keys[0],
                      HOME=str(self.root.parent / f"{self.name}-home")):
            return cli.run([*args, "--adopt"] if adopt else args)

    def sign(self, update: str) -> int:
        """``fabgitops sign UPDATE`` as this party."""
        with _environ(FABGITOPS_AGE_IDENTITY=self.identity.secret_keys[0],
                      HOME=str(self.root.parent / f"{self.name}-home")):
            return cli.run(["sign", str(self.root / update), "-c", str(self.config)])

    def files(self) -> dict[str, bytes]:
        """Every file under the party's directory (config, bundles and output)."""
        return {str(p.relative_to(self.root)): p.read_bytes()
                for p in sorted(self.root.rglob("*")) if p.is_file() and ".git/" not in str(p)}


def private_key_forms(material: CryptoMaterial) -> dict[str, list[bytes]]:
    """Every private key of a party's material, by path, in the forms a leak could take: the
    PEM, its base64 (a Secret's data) and the PEM body's first line (a quoted excerpt)."""
    forms: dict[str, list[bytes]] = {}
    for path, content in material.files.items():
        if not (path.endswith(("priv_sk", ".key"))):
            continue
        body = b"".join(line for line in content.splitlines()
                        if line and not line.startswith(b"-----"))
        forms[path] = [content, base64.b64encode(content), body[:48]]
    return forms


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
