"""No input, however broken, produces a traceback: only compiled output or located issues.

Every example that validates is compiled through the whole pipeline (plan, crypto, channel
artifacts, rendering, sealing, GitOps objects), so late errors are reached too. The regular
suite runs a few examples from a fixed seed; the thorough run is opt-in (10,000 examples,
minutes):

    .venv/bin/python -m pytest tests/unit/test_fuzz.py -m slow --fuzz
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fabgitops import yamlio
from fabgitops.config_file import parse_config
from fabgitops.errors import ConfigInvalid
from fabgitops.gather import Inputs, SealCertificateFile
from fabgitops.keystore.identity import ResolvedIdentity
from fabgitops.model import SecretsMode
from fabgitops.pipeline import compile_network
from tests.conftest import ARTICLE, PRIVATE_KEY_PEM
from tests.crypto.conftest import DeterministicKeyGen
from tests.e2e.support import IDENTITY, NOW, REPO_URL, SEAL_CERT, counter_random

TEXT = ARTICLE.read_bytes()
DATA: dict[str, Any] = yamlio.load_plain(TEXT.decode())
CERTIFICATE = SealCertificateFile(SEAL_CERT.read_bytes(), "the sealing certificate")
FIXED_SEED = 20261202
REGULAR = settings(max_examples=40, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=5_000, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["2.5", "3.1", "kafka", "BFT", "solo", "10 MB", "2s", "{{.Index}}",
                     "{{.Nope}}", "NodePort", "Ingress", "peer0", "org1", "Org1", "ed25519",
                     "ecdsa", "sops", "plain", "flux", "none", "LevelDB"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["Name", "Domain", "Count", "Type",
                                                             "Template", "PublicKeyAlgorithm",
                                                             "X"]), inner,
                                            max_size=3)),
    max_leaves=8,
)
KEYS = ["Network", "OrdererOrgs", "PeerOrgs", "Consensus", "Channels", "Kubernetes", "GitOps",
        "Secrets", "Keystore", "Name", "Domain", "Template", "Count", "Start", "Hostname",
        "Specs", "Users", "MSPID", "AnchorPeers", "EnableNodeOUs", "FabricVersion", "Type",
        "Expose", "NodePort", "BatchSize", "Organizations", "SANS", "CA", "Policies",
        "PublicKeyAlgorithm", "Mode", "Engine", "StateDatabase", "CommonName"]


def check(raw: bytes) -> str:
    """Either a config that compiles all the way to sealed output, or located issues.

    Returns:
        ``compiled`` or ``invalid``: which of the two it was.
    """
    try:
        loaded = parse_config(raw, source="fuzz.yaml", path=ARTICLE)
        inputs = Inputs(loaded, {}, ResolvedIdentity(IDENTITY), CERTIFICATE, NOW, REPO_URL,
                        renew=False)
        compiled = compile_network(inputs, keygen=DeterministicKeyGen(),
                                   random=counter_random())
    except ConfigInvalid as exc:
        assert exc.issues
        assert all(i.line >= 1 and i.column >= 1 for i in exc.issues), exc.issues
        return "invalid"
    assert all(o.source.line >= 1 for o in loaded.plan.orgs)
    assert compiled.changes and compiled.tree
    if loaded.plan.secrets.mode is not SecretsMode.PLAIN:
        assert not any(PRIVATE_KEY_PEM in content for content in compiled.tree.values())
    return "compiled"


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


@st.composite
def mutated_structure(draw: st.DrawFn) -> bytes:
    """The example's data with up to four values replaced, deleted or added."""
    doc = copy.deepcopy(DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths(doc)))
        if not path:
            continue
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(values)
    return yamlio.dump(doc).encode()


@st.composite
def mutated_text(draw: st.DrawFn) -> bytes:
    """The example's text with up to six bytes-level edits."""
    raw = bytearray(TEXT)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "flip"]))
        if action == "insert":
            raw[pos:pos] = draw(st.binary(max_size=8)) if draw(st.booleans()) else \
                draw(st.sampled_from([b":", b"-", b"\t", b"&a", b"*a", b"[", b"{", b"'",
                                      b"\n  ", b"!!binary", b"<<: ", b"---\n"]))
        elif action == "delete":
            del raw[pos:pos + draw(st.integers(1, 10))]
        elif action == "truncate":
            del raw[pos:]
        elif raw:
            raw[min(pos, len(raw) - 1)] ^= draw(st.integers(1, 255))
    return bytes(raw)


INPUTS = {"structure": mutated_structure(), "text": mutated_text(),
          "garbage": st.binary(max_size=200)}


def fuzz(strategy: st.SearchStrategy[bytes], profile: settings) -> Counter[str]:
    """Check every input ``strategy`` draws; count the outcomes."""
    outcomes: Counter[str] = Counter()

    @seed(FIXED_SEED)
    @profile
    @given(strategy)
    def run(raw: bytes) -> None:
        outcomes[check(raw)] += 1

    run()
    return outcomes


@pytest.mark.parametrize(("kind", "compiles"), [("structure", True), ("text", True),
                                                 ("garbage", False)])
def test_fixed_seed(kind: str, compiles: bool) -> None:
    outcomes = fuzz(INPUTS[kind], REGULAR)
    assert outcomes.total() >= REGULAR.max_examples
    # The mutations of the example reach the late stages, not only validation.
    assert (outcomes["compiled"] > 0) is compiles, outcomes


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["structure", "text"])
def test_thorough(kind: str, request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--fuzz"):
        pytest.skip("10,000 examples take minutes: pytest tests/unit/test_fuzz.py -m slow --fuzz")
    outcomes = fuzz(INPUTS[kind], THOROUGH)
    assert outcomes.total() >= THOROUGH.max_examples and outcomes["compiled"] > 0


def test_the_unchanged_example_compiles() -> None:
    assert check(TEXT) == "compiled"
