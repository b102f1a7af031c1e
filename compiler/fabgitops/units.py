"""Sizes and durations exactly as Fabric's Go code reads and prints them."""

from __future__ import annotations

import re
from decimal import Decimal

MAX_UINT32 = 2**32 - 1

# common/viperutil/config_util.go byteSizeDecodeHook: units are binary and the 'b' is optional.
_SIZE = re.compile(r"^(?P<size>[0-9]+)\s*(?P<unit>[kKmMgG])[bB]?$")
_SHIFT = {"k": 10, "m": 20, "g": 30}

# time.ParseDuration units, in nanoseconds.
_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)")
_MAX_DURATION = 2**63 - 1


def parse_size(value: int | str) -> int:
    """Read a Fabric byte size (``99 MB`` is 99 MiB) and check that it fits a uint32.

    Raises:
        ValueError: the value is not a size Fabric reads, or it overflows uint32.
    """
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a size; write a number of bytes or e.g. '99 MB'")
        digits = match["size"]
        if len(digits) > 1 and digits.startswith("0"):
            # Go parses the number with base 0, so a leading zero would mean octal.
            raise ValueError(f"{value!r}: remove the leading zero (Fabric would read it as octal)")
        size = int(digits) << _SHIFT[match["unit"].lower()]
    if not 0 <= size <= MAX_UINT32:
        raise ValueError(f"{value!r} is out of range (0 to {MAX_UINT32} bytes)")
    return size


def parse_duration(text: str) -> int:
    """Read a Go duration (``2s``, ``1m30s``, ``500ms``) as nanoseconds, like time.ParseDuration.

    Raises:
        ValueError: the text is not a Go duration or overflows int64 nanoseconds.
    """
    body = text[1:] if text[:1] in "+-" else text
    if not body:
        raise ValueError(f"{text!r} is not a Go duration such as '2s' or '500ms'")
    total = Decimal(0)
    pos = 0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        number = match.group(1) if match else ""
        if not match or number in ("", "."):
            raise ValueError(f"{text!r} is not a Go duration such as '2s' or '500ms'")
        total += Decimal(number) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    nanos = int(total)
    if nanos > _MAX_DURATION:
        raise ValueError(f"{text!r} is too long a duration")
    return -nanos if text.startswith("-") else nanos


def format_duration(nanos: int) -> str:
    """Print nanoseconds as Go's ``time.Duration.String`` does (``90s`` prints ``1m30s``)."""
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    n = abs(nanos)
    if n < 1_000_000_000:
        for unit, scale in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if n < scale * 1000:
                return sign + _fraction(n, scale) + unit
    hours, rest = divmod(n, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _fraction(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _fraction(value: int, scale: int) -> str:
    whole, frac = divmod(value, scale)
    if not frac:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")
