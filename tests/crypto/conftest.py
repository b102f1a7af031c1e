"""Fixtures of the crypto tests: a deterministic KeyGen and clock, plans, age identities.

The deterministic KeyGen lives here and only here: production code always uses the OS CSPRNG.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fabgitops import plan as plan_stage
from fabgitops import yamlio
from fabgitops.crypto import CryptoMaterial, issue
from fabgitops.crypto.keys import P256_ORDER, SERIAL_LIMIT
from fabgitops.errors import Severity
from fabgitops.keystore.identity import AgeIdentity
from fabgitops.model import ClusterConfig
from fabgitops.plan import Plan
from tests.conftest import ARTICLE

DATA = Path(__file__).parent / "data"
CRYPTOGEN = DATA / "cryptogen"
COMPLEX = DATA / "complex-crypto-config.yaml"
NOW = datetime(2026, 3, 1, 12, 34, 56, tzinfo=UTC)
"""Certificates issued at NOW have NotBefore 12:30:00 (12:35 rounded, minus 5 minutes)."""


class DeterministicKeyGen:
    """Keys, serials and bytes derived from a seed and the label: reproducible and
    independent of generation order. For tests only."""

    deterministic_signatures = True

    def __init__(self, seed: str = "fabgitops-tests") -> None:
        self.seed = seed
        self.keys_made = 0

    def _digest(self, kind: str, label: str, size: int) -> bytes:
        return hashlib.shake_256(f"{self.seed}\0{kind}\0{label}".encode()).digest(size)

    def private_key(self, label: str) -> ec.EllipticCurvePrivateKey:
        self.keys_made += 1
        scalar = int.from_bytes(self._digest("key", label, 48)) % (P256_ORDER - 1) + 1
        return ec.derive_private_key(scalar, ec.SECP256R1())

    def serial_number(self, label: str) -> int:
        return int.from_bytes(self._digest("serial", label, 16)) % (SERIAL_LIMIT - 1) + 1

    def random_bytes(self, label: str, size: int) -> bytes:
        return self._digest("bytes", label, size)


def load_plan(text: str, source: str = "cluster-config.yaml") -> Plan:
    """Plan a cluster-config text the way the CLI does."""
    # Not the semantic rules: the cryptogen parity fixtures use dotted domains, which a
    # Kubernetes namespace cannot be, to compare with cryptogen byte for byte.
    document = yamlio.parse(text, source=source)
    config = ClusterConfig.model_validate_json(json.dumps(document.data))
    plan, issues = plan_stage.build(config, document)
    assert not [i for i in issues if i.severity is Severity.ERROR], issues
    return plan


def fixed_clock(when: datetime = NOW) -> Callable[[], datetime]:
    return lambda: when


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def complex_text() -> str:
    return COMPLEX.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def age_identity() -> AgeIdentity:
    return AgeIdentity.generate("test identity")


@pytest.fixture
def keygen() -> DeterministicKeyGen:
    return DeterministicKeyGen()


IssueFn = Callable[..., CryptoMaterial]


@pytest.fixture
def compile_crypto(age_identity: AgeIdentity) -> IssueFn:
    """``compile_crypto(text, previous={}, **kwargs)``: plan a config and run the stage with the
    deterministic KeyGen, the fixed clock and the session's age identity."""

    def run(
        text: str, previous: dict[str, bytes] | None = None, **kwargs: object
    ) -> CryptoMaterial:
        options: dict[str, object] = {
            "clock": fixed_clock(), "keygen": DeterministicKeyGen(), "identity": age_identity,
        }
        options.update(kwargs)
        return issue(load_plan(text), previous or {}, **options)  # type: ignore[arg-type]

    return run


@pytest.fixture(scope="session")
def article_material(article_text: str, age_identity: AgeIdentity) -> CryptoMaterial:
    return issue(load_plan(article_text), {}, clock=fixed_clock(), keygen=DeterministicKeyGen(),
                 identity=age_identity)


@pytest.fixture(scope="session")
def complex_material(complex_text: str, age_identity: AgeIdentity) -> CryptoMaterial:
    return issue(load_plan(complex_text), {}, clock=fixed_clock(), keygen=DeterministicKeyGen(),
                 identity=age_identity)
