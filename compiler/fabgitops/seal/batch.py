"""Sealing many values at once: randomness drawn in order here, encryption over the cores.

A first compile seals thousands of values, each with its own RSA-OAEP encryption. The seal
stage turns each value to seal into a :class:`Job` as it meets it, drawing the value's
randomness from the injected source right then, in the order and sizes
:func:`~fabgitops.seal.hybrid.hybrid_encrypt` draws it (session key, then OAEP seed). The
encryptions themselves are then split over the cores (``fabgitops.parallel``): the same
source gives the same bytes, however the work is split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fabgitops.parallel import fork_map, workers
from fabgitops.ports import RandomBytes
from fabgitops.seal.hybrid import OAEP_SEED_BYTES, SESSION_KEY_BYTES
from fabgitops.seal.sealed_secrets import SealingCertificate, seal_value
from fabgitops.seal.secret import take

VALUES_PER_WORKER = 200
"""Below this many values per core, forking costs more than it saves."""


@dataclass(frozen=True)
class Job:
    """One value to seal, with its randomness already drawn."""

    value: bytes
    label: bytes
    draws: tuple[bytes, ...]


def job(value: bytes, label: bytes, random: RandomBytes) -> Job:
    """A value to seal under ``label``, drawing its randomness from ``random`` now."""
    return Job(value, label, (take(random, SESSION_KEY_BYTES), take(random, OAEP_SEED_BYTES)))


def seal_jobs(certificate: SealingCertificate, jobs: Sequence[Job]) -> list[str]:
    """The ``encryptedData`` entry of every job, in order."""
    count = workers(len(jobs), VALUES_PER_WORKER)
    size = -(-len(jobs) // count) if jobs else 1
    shares = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    done = fork_map(lambda share: _seal(certificate, share), shares)
    if done is None:
        return _seal(certificate, jobs)
    return [entry for share in done for entry in share]


def _seal(certificate: SealingCertificate, jobs: Sequence[Job]) -> list[str]:
    return [seal_value(certificate, j.value, j.label, _replay(j.draws)) for j in jobs]


def _replay(draws: tuple[bytes, ...]) -> RandomBytes:
    """A random source that gives back ``draws``, one per call, checking each size."""
    pending = list(draws)

    def random(size: int) -> bytes:
        drawn = pending.pop(0)
        if len(drawn) != size:
            raise ValueError(f"{size} bytes asked where {len(drawn)} were drawn")
        return drawn

    return random
