"""Issuing split over the cores gives the material one process gives; the channel stage
reads only the part of it that channels need."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

from fabgitops.crypto import CryptoMaterial
from fabgitops.crypto import stage as crypto_stage
from tests.crypto.conftest import IssueFn
from tests.splits import record_splits

T = TypeVar("T")
R = TypeVar("R")
KEY = ".age"


def public(material: CryptoMaterial) -> dict[str, bytes]:
    """Everything but the age ciphertexts (age encrypts with fresh randomness every time)."""
    return {p: c for p, c in material.keystore.items() if not p.endswith(KEY)}


def keys(material: CryptoMaterial) -> dict[str, bytes]:
    return {secret.path: secret.reveal() for org in material.orgs.values()
            for pair in [org.ca, org.tlsca, *(i.enrollment for i in org.nodes),
                         *(i.tls for i in org.users)]
            for secret in [pair.key] if not isinstance(secret, bytes)}


def test_issuing_split_over_the_cores_issues_the_same_material(
        complex_text: str, compile_crypto: IssueFn, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = compile_crypto(complex_text)
    splits = record_splits(monkeypatch, "fabgitops.crypto.stage")
    monkeypatch.setattr(crypto_stage, "ORGS_PER_WORKER", 1)
    split = compile_crypto(complex_text)
    assert splits == [2]  # a child and the parent issued a share each
    assert set(split.keystore) == set(serial.keystore)
    assert public(split) == public(serial)
    assert keys(split) == keys(serial) and len(keys(serial)) > 4
    assert split.notes == serial.notes and len(serial.notes) > 4
    assert set(split.orgs) == set(serial.orgs)
    # The memo's facts name age ciphertexts, which differ run to run: as many of them.
    assert len(split.facts) == len(serial.facts)
    # And the split keystore is reused as is, by one process or by two.
    again = compile_crypto(complex_text, split.keystore)
    assert again.keystore == split.keystore and again.notes == ()


def test_a_failed_split_is_issued_again_serially_without_double_notes(
        complex_text: str, compile_crypto: IssueFn, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = compile_crypto(complex_text)

    def parent_share_then_a_worker_fails(function: Callable[[T], R], items: Sequence[T], *,
                                         least: int = 1) -> list[R] | None:
        function(items[-1])  # what fork_map's parent does before it hears of the failure
        return None

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(crypto_stage, "ORGS_PER_WORKER", 1)
    monkeypatch.setattr("fabgitops.crypto.stage.fork_map", parent_share_then_a_worker_fails)
    again = compile_crypto(complex_text)
    assert again.notes == serial.notes
    assert public(again) == public(serial) and keys(again) == keys(serial)


def test_the_channel_stage_reads_only_channel_files(
        complex_text: str, complex_material: CryptoMaterial) -> None:
    from datetime import UTC, datetime

    from fabgitops.channel import build_artifacts
    from tests.crypto.conftest import load_plan

    full, part = complex_material.files, complex_material.channel_files
    assert set(part) < set(full)
    assert not [p for p in part if "/peers/" in p]

    def counter(seed: str) -> Callable[[int], bytes]:
        state = iter(range(1 << 30))
        return lambda size: hashlib.shake_256(f"{seed}{next(state)}".encode()).digest(size)

    plan = load_plan(complex_text)
    when = datetime(2026, 3, 1, tzinfo=UTC)
    built = [build_artifacts(plan, files, {}, clock=lambda: when, rng=counter("r")).files()
             for files in (full, part)]
    assert built[0] == built[1] and built[0]
