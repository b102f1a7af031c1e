"""The YAML writer: every value reads back identically, with PyYAML and with Kustomize."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fabgitops.yamlemit import emit, emit_manifest, scalar
from tests.conftest import tool

TRICKY = ["y", "n", "yes", "No", "on", "OFF", "true", "null", "~", "", " ", "  lead", "trail ",
          "1", "1.5", "0o17", "0x1F", "0b101", "0O17", "0X1F", "0B101", "0O0", "1e3", "012",
          ".inf", "-.INF", ".nan", "1_000",
          "12:30", "1:20:30", "2024-01-01", "2024-01-01T10:00:00Z", "=", "<<", "a: b", "a:",
          "x #y", "#x", "-", "- x", "?", "? x", ":x", "!tag", "&a", "*a", "|", ">", "%x", "@x",
          "`x", "'q'", '"q"', "[x]", "{x}", "a,b", "tab\there", "ünïcode", "emoji 🚀",
          "http://h:80/p?q=1#f", "line\n", "two\nlines", "trailing\n\n", "\n", "\n\nx",
          "x\r\ny", "nul\x00", "bell\x07", "nel\x85", "ls\u2028",
          "bom\ufeff", " \n lead-block", "\\back", "$(POD_NAME)",
          "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_read_back(text: str) -> None:
    document = {"k": text, "list": [text, {"nested": text}], text or "empty": 1}
    assert yaml.safe_load(emit(document)) == document


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_like, max_size=6))
def test_any_document_reads_back(data: dict[str, Any]) -> None:
    assert yaml.safe_load(emit(data)) == data


def test_layout_matches_pyyaml_block_style() -> None:
    data = {"b": {"y": 1, "x": [1, {"k": "v", "a": [True, None]}, [], {}]}, "a": "l1\nl2\n",
            "n": [[1, [2]]]}
    assert emit(data) == (
        'a: |\n  l1\n  l2\nb:\n  x:\n  - 1\n  - a:\n    - true\n    - null\n    k: v\n'
        '  - []\n  - {}\n  "y": 1\n"n":\n- - 1\n  - - 2\n')
    assert emit({"z": 1, "a": 2}, sort_keys=False) == "z: 1\na: 2\n"


def test_plain_when_unambiguous() -> None:
    assert scalar("peer0.org1:7051") == "peer0.org1:7051"
    assert scalar("/var/hyperledger/production") == "/var/hyperledger/production"
    assert scalar("hyperledger/fabric-peer:3.1.5") == "hyperledger/fabric-peer:3.1.5"
    assert scalar("7051") == '"7051"'


def test_kustomize_reads_the_same_values(tmp_path: Path) -> None:
    # Kustomize prints "=" and "<<" unquoted (to go-yaml they are strings) and NEL raw, which
    # PyYAML then reads as its value and merge tags and as a line break: skip those three.
    data = {f"k{i}": text for i, text in enumerate(TRICKY)
            if text not in ("=", "<<") and "\x85" not in text}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tricky"},
                  "data": data}
    (tmp_path / "cm.yaml").write_text(emit(config_map))
    (tmp_path / "kustomization.yaml").write_text(emit({"resources": ["cm.yaml"]}))
    built = subprocess.run([tool("kubectl"), "kustomize", str(tmp_path)], capture_output=True,
                           text=True, check=True)
    assert yaml.safe_load(built.stdout)["data"] == data


def test_manifests_read_in_kubernetes_order() -> None:
    """What an object is comes before what it holds; data maps stay sorted, even when a data
    key is called like a field that would be moved up."""
    manifest = {
        "spec": {"template": {"spec": {"containers": [
            {"volumeMounts": [], "env": [{"value": "1", "name": "B"}], "image": "i:1",
             "name": "c"}]}}},
        "metadata": {"annotations": {"z": "1"}, "labels": {"role": "x", "app": "y"},
                     "namespace": "ns", "name": "nm"},
        "kind": "Deployment",
        "apiVersion": "apps/v1",
    }
    assert emit_manifest(manifest) == (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nm\n  namespace: ns\n"
        "  labels:\n    app: \"y\"\n    role: x\n  annotations:\n    z: \"1\"\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: c\n        image: i:1\n"
        "        env:\n        - name: B\n          value: \"1\"\n        volumeMounts: []\n")
    config_map = {"data": {"name": "a", "kind": "b", "a.pem": "c"}, "metadata": {"name": "m"},
                  "kind": "ConfigMap", "apiVersion": "v1"}
    assert emit_manifest(config_map) == (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n"
        "data:\n  a.pem: c\n  kind: b\n  name: a\n")
    kustomization = {"images": [{"newTag": "1", "name": "i"}], "resources": ["a"],
                     "namespace": "ns", "kind": "Kustomization", "apiVersion": "v1beta1",
                     "patches": [{"target": {"name": "p", "kind": "StatefulSet"}, "path": "x"}]}
    assert emit_manifest(kustomization) == (
        "apiVersion: v1beta1\nkind: Kustomization\nnamespace: ns\nresources:\n- a\n"
        "patches:\n- path: x\n  target:\n    kind: StatefulSet\n    name: p\n"
        "images:\n- name: i\n  newTag: \"1\"\n")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_like, max_size=6))
def test_any_manifest_reads_back(data: dict[str, Any]) -> None:
    assert yaml.safe_load(emit_manifest(data)) == data
