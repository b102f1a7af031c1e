"""Values sealed over the cores: the bytes one process gives, and the controller opens them."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.parallel import fork_map
from fabgitops.seal import SealingCertificate, batch
from fabgitops.seal.sealed_secrets import seal_value

from .helpers import seeded, unseal

T = TypeVar("T")
R = TypeVar("R")
VALUES = [(f"value {i}".encode() * (i + 1), f"org1:secret{i % 3}".encode()) for i in range(7)]


def test_sealing_split_over_the_cores_gives_the_bytes_of_one_process(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey,
        monkeypatch: pytest.MonkeyPatch) -> None:
    serial_random = seeded(7).randbytes
    serial = [seal_value(certificate, value, label, serial_random) for value, label in VALUES]
    splits: list[int] = []

    def recording(function: Callable[[T], R], items: Sequence[T], *, least: int = 1
                  ) -> list[R] | None:
        result = fork_map(function, items, least=least)
        splits.append(len(result) if result is not None else 0)
        return result

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(batch, "VALUES_PER_WORKER", 1)
    monkeypatch.setattr("fabgitops.seal.batch.fork_map", recording)
    split_random = seeded(7).randbytes
    jobs = [batch.job(value, label, split_random) for value, label in VALUES]
    split = batch.seal_jobs(certificate, jobs)
    assert splits == [2]
    assert split == serial
    assert [unseal(v, controller_key, label) for v, (_, label) in zip(split, VALUES, strict=True)
            ] == [value for value, _ in VALUES]


def test_a_drawn_job_refuses_a_draw_of_another_size(certificate: SealingCertificate) -> None:
    job = batch.Job(b"value", b"label", (bytes(32), bytes(16)))
    with pytest.raises(ValueError, match="16 were drawn"):
        batch.seal_jobs(certificate, [job])
