"""The no-op fast path: a fingerprint of every input of a compile, and of the tree it wrote.

A writing ``compile`` that ends quiet (no warning, no note) records what it read and what it
left on disk; the next ``compile`` or ``compile --check`` with the same inputs and an untouched
output answers "nothing changed" from that record alone: no config validation, no decryption,
no rendering (issue 14). Any difference sends it down the full path, which is always right.

What the fingerprint covers, and why that is all a compile reads:

- the tool: its version and every file of the installed package and of the shipped bases
  (name, size, mtime), so an upgrade or an edited checkout recompiles;
- the request: config path, output root, ``--seal-cert`` and ``--age-identity`` paths, and the
  age identity text (``FABGITOPS_AGE_IDENTITY``, the identity file, the local identity), hashed;
- the input files, by content: the cluster-config and the sealing certificate;
- the output tree: every file under the owned roots, by size and mtime (like git's index);
  files written within :data:`RACY_NS` of the snapshot are compared by content instead, since
  a later edit in the same clock tick could keep both. A hand-edited, added or removed file,
  a left-over temporary file or a journal all make the record stale.

Never recorded (always the full path): ``--renew`` (depends on the time), git options (they
commit), a config that reads other files (party bundles) or a git remote URL, and any compile
that printed a warning or note. The record answers only until the first certificate enters the
expiry-warning window (the full path would warn).

The record lives in the user's cache directory, keyed by the output directory's real path, not
in the output: the output stays byte-identical, nothing new needs ignoring in git, and a copy
of the output directory starts without one. Read-only commands only read it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fabgitops import __version__
from fabgitops.keystore.identity import ENV_IDENTITY, IDENTITY_FILE_NAME, config_dir
from fabgitops.layout import JOURNAL, LOCK, OWNED_ROOTS

FORMAT = "fabgitops-up-to-date"
VERSION = 1
RACY_NS = 2_000_000_000
"""Files modified this close to the snapshot are checked by content (file system clocks tick
coarsely; an edit in the same tick can keep size and mtime)."""

Stat = tuple[int, int]
"""(size, mtime_ns) of one file."""


@dataclass(frozen=True)
class RequestKey:
    """What the user asked for, as far as it changes the output: the record's key."""

    config_path: Path
    root: Path
    seal_cert: Path | None
    age_identity: Path | None


def cache_dir(environ: Mapping[str, str], home: Path) -> Path:
    """The user's fabgitops cache directory (``$XDG_CACHE_HOME/fabgitops``)."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".cache"
    return base / "fabgitops"


def cache_file(environ: Mapping[str, str], home: Path, root: Path) -> Path:
    """Where the record of the output directory ``root`` lives (XDG cache directory)."""
    name = hashlib.sha256(os.fsencode(os.path.realpath(root))).hexdigest()[:32]
    return cache_dir(environ, home) / "up-to-date" / f"{name}.json"


def _sha256_file(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def _walk_stats(directory: str, prefix: str, out: dict[str, Stat]) -> None:
    # os.scandir: one system call per directory and cached types, no pathlib per file.
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name != ".git":
                _walk_stats(entry.path, f"{prefix}{entry.name}/", out)
            continue
        info = entry.stat(follow_symlinks=False)
        out[prefix + entry.name] = (info.st_size, info.st_mtime_ns)


def tree_stats(root: Path) -> dict[str, Stat]:
    """Size and mtime of every file under the owned roots (temporary files included)."""
    out: dict[str, Stat] = {}
    for owned in OWNED_ROOTS:
        if owned.endswith("/"):
            _walk_stats(f"{root}/{owned}", owned, out)
            continue
        try:
            info = (root / owned).lstat()
        except OSError:
            continue
        out[owned] = (info.st_size, info.st_mtime_ns)
    out.pop(LOCK, None)  # the lock file is rewritten by every run; it is no input
    return out


def _package_dirs() -> Iterator[Path]:
    package = Path(__file__).resolve().parent.parent
    yield package
    # The bases ship as package data (wheel) or live beside the package (source checkout).
    bases = package / "bases"
    yield bases if bases.is_dir() else package.parents[1] / "bases"


def tool_digest() -> str:
    """The installed fabgitops: version, and name, size and mtime of each of its files."""
    digest = hashlib.sha256(f"{FORMAT}/{VERSION}/{__version__}".encode())
    for directory in _package_dirs():
        stats: dict[str, Stat] = {}
        _walk_stats(str(directory), "", stats)
        for name in sorted(stats):
            if "__pycache__/" not in name:
                digest.update(f"{directory}/{name}\0{stats[name]}\n".encode())
    return digest.hexdigest()


def request_digest(key: RequestKey, environ: Mapping[str, str], home: Path) -> str:
    """The tool, the request's paths and the age identities it may use (hashed, never stored):
    ``--age-identity``, ``FABGITOPS_AGE_IDENTITY`` and the local identity file."""
    local_identity = config_dir(environ, home) / IDENTITY_FILE_NAME
    digest = hashlib.sha256(tool_digest().encode())
    for part in (key.config_path, key.root, key.seal_cert, key.age_identity):
        digest.update(f"{os.path.realpath(part) if part else '-'}\0".encode())
    identity = environ.get(ENV_IDENTITY, "")
    digest.update(hashlib.sha256(identity.encode()).digest())
    for path in (key.age_identity, local_identity):
        digest.update(((_sha256_file(path) if path else None) or "-").encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Record:
    """What a quiet writing compile read and left behind."""

    request: str
    """:func:`request_digest` of the compile."""
    inputs: Mapping[str, str]
    """Input file (real path) -> SHA-256 of the content the compile read."""
    quiet_until: int
    """Unix seconds: from then on a certificate is within the expiry-warning window."""
    tree: Mapping[str, Stat]
    racy: Mapping[str, str]
    """Files too recent for their mtime to be trusted -> SHA-256 of their content."""

    def dumps(self) -> bytes:
        """The record as JSON."""
        return json.dumps({
            "format": FORMAT, "version": VERSION, "request": self.request,
            "inputs": dict(self.inputs), "quiet_until": self.quiet_until,
            "tree": {p: list(s) for p, s in self.tree.items()}, "racy": dict(self.racy),
        }, sort_keys=True, separators=(",", ":")).encode()


def loads(data: bytes) -> Record | None:
    """Parse a record; None when it is not one this version wrote (then it is ignored)."""
    try:
        raw: Any = json.loads(data)
        if raw.get("format") != FORMAT or raw.get("version") != VERSION:
            return None
        tree = {str(p): (int(s[0]), int(s[1])) for p, s in raw["tree"].items()}
        return Record(str(raw["request"]), {str(k): str(v) for k, v in raw["inputs"].items()},
                      int(raw["quiet_until"]), tree,
                      {str(k): str(v) for k, v in raw["racy"].items()})
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None


def snapshot(root: Path, request: str, inputs: Mapping[str, bytes], written: Mapping[str, bytes],
             quiet_until: int) -> Record:
    """The record of a compile that just wrote ``root``.

    Args:
        root: the output directory, as written.
        request: :func:`request_digest` of the compile.
        inputs: every input file it read (path -> content as read).
        written: the compiled tree (path -> content): the racy files' content without reading
            them again; a racy file outside it (the user's) is read.
        quiet_until: see :attr:`Record.quiet_until`.
    """
    started = time.time_ns()
    tree = tree_stats(root)
    racy = {}
    for path, (_, mtime) in tree.items():
        if mtime + RACY_NS >= started:
            content = written.get(path)
            digest = hashlib.sha256(content).hexdigest() if content is not None \
                else _sha256_file(root / path)
            racy[path] = digest or "-"
    hashes = {os.path.realpath(p): hashlib.sha256(c).hexdigest() for p, c in inputs.items()}
    return Record(request, hashes, quiet_until, tree, racy)


def is_current(record: Record, root: Path, request: str, now: float) -> bool:
    """Whether a compile of ``request`` now would find nothing to change in ``root``."""
    if record.request != request or now >= record.quiet_until:
        return False
    if (root / JOURNAL).exists():
        return False  # an interrupted write: the full path finishes it
    if any(_sha256_file(Path(p)) != h for p, h in record.inputs.items()):
        return False
    if tree_stats(root) != record.tree:
        return False
    return all(_sha256_file(root / path) == digest for path, digest in record.racy.items())


def read_record(path: Path) -> Record | None:
    """The record at ``path``, or None (absent, unreadable or foreign)."""
    try:
        return loads(path.read_bytes())
    except OSError:
        return None


def write_record(path: Path, record: Record) -> None:
    """Store ``record`` (a cache: a failure to write only costs the next run its fast path)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(record.dumps())
        tmp.replace(path)
    except OSError:
        return


def forget(path: Path) -> None:
    """Drop the record (before a write that may not end quiet)."""
    try:
        path.unlink()
    except OSError:
        return
