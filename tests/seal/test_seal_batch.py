"""Values sealed over the cores: the bytes one process gives, and the controller opens them."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.seal import SealingCertificate, batch
from fabgitops.seal.sealed_secrets import seal_value
from tests.splits import record_splits

from .helpers import seeded, unseal

VALUES = [(f"value {i}".encode() * (i + 1), f"org1:secret{i % 3}".encode()) for i in range(7)]


def test_sealing_split_over_the_cores_gives_the_bytes_of_one_process(
        certificate: SealingCertificate, controller_key: rsa.RSAPrivateKey,
        monkeypatch: pytest.MonkeyPatch) -> None:
    serial_random = seeded(7).randbytes
    serial = [seal_value(certificate, value, label, serial_random) for value, label in VALUES]
    splits = record_splits(monkeypatch, "fabgitops.seal.batch")
    monkeypatch.setattr(batch, "VALUES_PER_WORKER", 1)
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
