"""Sizes and durations behave like Fabric's Go code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabgitops.units import format_duration, parse_duration, parse_size


@pytest.mark.parametrize(("text", "size"), [
    (1024, 1024), ("99 MB", 99 * 2**20), ("512 KB", 512 * 2**10), ("98MB", 98 * 2**20),
    ("2 m", 2 * 2**20), ("1 gb", 2**30), ("3G", 3 * 2**30), ("0 KB", 0),
])
def test_sizes_are_binary_like_viperutil(text: int | str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["10 MiB", "MB", "1.5 MB", "4 GB", "010 MB", "-1 MB", 2**32])
def test_bad_sizes(text: int | str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_size(text)


@pytest.mark.parametrize(("text", "nanos", "printed"), [
    ("2s", 2 * 10**9, "2s"), ("500ms", 5 * 10**8, "500ms"), ("90s", 90 * 10**9, "1m30s"),
    ("1m", 60 * 10**9, "1m0s"), ("1.5h", 5400 * 10**9, "1h30m0s"), ("2h45m", 9900 * 10**9,
                                                                    "2h45m0s"),
    ("1.5s", 15 * 10**8, "1.5s"), ("300us", 300_000, "300µs"), ("1ns", 1, "1ns"),
    ("1s500ms", 15 * 10**8, "1.5s"), (".5s", 5 * 10**8, "500ms"),
])
def test_durations_match_go(text: str, nanos: int, printed: str) -> None:
    assert parse_duration(text) == nanos
    assert format_duration(nanos) == printed


@pytest.mark.parametrize("text", ["", "2", "s", "2 s", "2sec", "1.s.5", "-", "1e3s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a Go duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**15))
def test_printed_durations_parse_back(nanos: int) -> None:
    assert parse_duration(format_duration(nanos)) == nanos
