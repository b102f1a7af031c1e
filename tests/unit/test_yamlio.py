"""The YAML reader keeps positions and rejects what would surprise; the writer is stable."""

from __future__ import annotations

import pytest

from fabgitops import yamlio
from fabgitops.yamlio import YamlProblems, parse


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(YamlProblems) as info:
        parse(text, source="f.yaml")
    return [(i.line, i.column, i.message) for i in info.value.issues]


def test_positions_point_at_keys_and_items() -> None:
    doc = parse("a:\n  b: 1\n  c:\n    - x\n    - y\n", source="f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.locate(("a", "b")) == (2, 3)
    assert doc.locate(("a", "c", 1)) == (5, 7)
    # A path below a scalar falls back to the nearest located ancestor.
    assert doc.locate(("a", "b", "deeper")) == (2, 3)


def test_duplicate_keys_are_reported_with_both_lines() -> None:
    assert problems("a: 1\nb: 2\na: 3\n") == [
        (3, 1, "duplicate key 'a' (first defined on line 1)")
    ]


def test_every_duplicate_is_reported() -> None:
    found = problems("x:\n  a: 1\n  a: 2\ny:\n  b: 1\n  b: 2\n")
    assert [line for line, _, _ in found] == [3, 6]


def test_merge_keys_keep_explicit_values() -> None:
    doc = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n", source="f.yaml")
    assert doc.data["use"] == {"x": 1, "y": 3}


def test_alias_bomb_is_stopped() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefg"):
        prev = "abcdefg"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    found = problems("\n".join(lines) + "\n")
    assert len(found) == 1 and "alias bomb" in found[0][2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a: [1, 2\n", "invalid YAML"),
        ("a: 1\n---\nb: 2\n", "expected one YAML document"),
        ("a: !!python/object:os.system x\n", "unsupported YAML tag"),
        ("? [a, b]\n: 1\n", "a mapping key must be a plain string"),
        ("\tkey: 1\n", "invalid YAML"),
    ],
)
def test_unusable_text_gives_a_located_message(text: str, message: str) -> None:
    found = problems(text)
    assert found and message in found[0][2]


def test_invalid_utf8_is_located() -> None:
    with pytest.raises(YamlProblems) as info:
        parse(b"a: 1\nb: \xff\n", source="f.yaml")
    issue = info.value.issues[0]
    assert (issue.line, issue.column) == (2, 4)
    assert "not UTF-8" in issue.message


def test_timestamps_stay_text() -> None:
    assert parse("d: 2024-01-01\n", source="f").data == {"d": "2024-01-01"}


@pytest.mark.parametrize("value", ["y", "n", "yes", "on", "off", "true", "null", "~", "1.5",
                                   "0o17", "0x1F", "1e3", "012", ".inf", "3"])
def test_dump_quotes_strings_a_yaml_reader_could_misread(value: str) -> None:
    text = yamlio.dump({"k": value})
    assert text != f"k: {value}\n"
    assert yamlio.load_plain(text) == {"k": value}


def test_dump_is_sorted_block_style_with_literal_multiline() -> None:
    text = yamlio.dump({"b": {"y": 1, "x": [1, 2]}, "a": "line1\nline2\n"})
    # The key "y" is quoted too: go-yaml v2 (Kubernetes) reads a bare y as true.
    assert text == "a: |\n  line1\n  line2\nb:\n  x:\n  - 1\n  - 2\n  \"y\": 1\n"
