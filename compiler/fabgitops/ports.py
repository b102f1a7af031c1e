"""The effects a pure stage receives instead of reaching for them: time and randomness.

Production passes the real clock and ``os.urandom`` (``gather``/``pipeline``); tests pass fixed
ones, which is what makes a compile reproducible byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Clock = Callable[[], datetime]
"""The current time, timezone-aware (``datetime.now(UTC)`` in production)."""
RandomBytes = Callable[[int], bytes]
"""``random(n)``: ``n`` random bytes (``os.urandom`` in production)."""
LabelledRandomBytes = Callable[[str, int], bytes]
"""``random(label, n)``: ``n`` random bytes for a named purpose (``KeyGen.random_bytes``; a
deterministic test key generator derives them from the label)."""
