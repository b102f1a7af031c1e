"""No input, however broken, produces a traceback: only a valid config or located issues."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fabgitops import plan, yamlio
from fabgitops.config_file import parse_config
from fabgitops.errors import ConfigInvalid
from tests.conftest import ARTICLE

TEXT = ARTICLE.read_bytes()
DATA: dict[str, Any] = yamlio.load_plain(TEXT.decode())

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["2.5", "3.1", "kafka", "BFT", "solo", "10 MB", "2s", "{{.Index}}",
                     "{{.Nope}}", "NodePort", "Ingress", "peer0", "org1", "Org1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["Name", "Domain", "Count", "Type",
                                                             "Template", "X"]), inner,
                                            max_size=3)),
    max_leaves=8,
)
KEYS = ["Network", "OrdererOrgs", "PeerOrgs", "Consensus", "Channels", "Kubernetes", "GitOps",
        "Secrets", "Keystore", "Name", "Domain", "Template", "Count", "Start", "Hostname",
        "Specs", "Users", "MSPID", "AnchorPeers", "EnableNodeOUs", "FabricVersion", "Type",
        "Expose", "NodePort", "BatchSize", "Organizations", "SANS", "CA", "Policies"]


def check(raw: bytes) -> None:
    """Either a valid config that plans, or ConfigInvalid with located issues."""
    try:
        loaded = parse_config(raw, source="fuzz.yaml", path=ARTICLE)
    except ConfigInvalid as exc:
        assert exc.issues
        assert all(i.line >= 1 and i.column >= 1 for i in exc.issues)
        return
    plan.build(loaded.config)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths(value, (*prefix, i))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_structures(data: st.DataObject) -> None:
    doc = copy.deepcopy(DATA)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths(doc)))
        if not path:
            continue
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = data.draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(KEYS))] = data.draw(values)
    check(yamlio.dump(doc).encode())


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_text(data: st.DataObject) -> None:
    raw = bytearray(TEXT)
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "truncate", "flip"]))
        if action == "insert":
            raw[pos:pos] = data.draw(st.binary(max_size=8)) if data.draw(st.booleans()) else \
                data.draw(st.sampled_from([b":", b"-", b"\t", b"&a", b"*a", b"[", b"{", b"'",
                                           b"\n  ", b"!!binary", b"<<: ", b"---\n"]))
        elif action == "delete":
            del raw[pos:pos + data.draw(st.integers(1, 10))]
        elif action == "truncate":
            del raw[pos:]
        elif raw:
            raw[min(pos, len(raw) - 1)] ^= data.draw(st.integers(1, 255))
    check(bytes(raw))


@given(st.binary(max_size=200))
def test_binary_garbage(raw: bytes) -> None:
    check(raw)
