"""Shared key material, generated once per session (never committed)."""

from __future__ import annotations

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fabgitops.seal import SealingCertificate, load_certificate

from .helpers import NOW, self_signed


@pytest.fixture(scope="session")
def controller_key() -> rsa.RSAPrivateKey:
    """The sealed-secrets controller's private key (RSA-2048 for speed; the code takes >= 2048)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def certificate(controller_key: rsa.RSAPrivateKey) -> SealingCertificate:
    """The controller certificate, loaded and checked as the compiler does."""
    return load_certificate(self_signed(controller_key), now=NOW)


@pytest.fixture(scope="session")
def age_identity() -> pyrage.x25519.Identity:
    """An age identity for SOPS, made fresh for the test session."""
    return pyrage.x25519.Identity.generate()
