"""Reading the output directory and applying a changeset so that a crash leaves no mix.

Every new file is first written next to its destination under a temporary name, and made
durable. Then a journal listing the renames and removals is written and fsynced: that is the
commit point. Only then are the files renamed into place. A crash before the journal leaves the old
tree plus temporary files, which ``recover`` deletes; a crash after it leaves a journal, which
``recover`` rolls forward. A writing compile runs ``recover`` (under the lock) before reading
the tree, so it always sees the previous tree or the new one, never a mix; a read-only command
changes nothing, so it reports a journal instead (``read_tree`` skips temporary files).
Keystore files are renamed first, so a key is durably in place before anything that refers to
it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from fabgitops.errors import EnvironmentProblem
from fabgitops.layout import JOURNAL, LOCAL_ONLY, OWNED_ROOTS, is_keystore
from fabgitops.output.changes import Action, Changeset
from fabgitops.tree import FileTree

TMP_SUFFIX = ".fabgitops-tmp"

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    return None


def read_tree(root: Path, roots: Sequence[str] = OWNED_ROOTS) -> FileTree:
    """Every file under ``roots`` (default: the compiler's) of ``root``, temporary and lock
    files excluded, in ``os.walk`` order (a directory's files, sorted, then its subdirectories,
    sorted; ``.git`` and symbolic links to directories are not entered)."""
    tree: FileTree = {}
    for owned in roots:
        relative = owned.rstrip("/")
        base = root / relative
        if base.is_file():
            tree[relative] = base.read_bytes()
        elif base.is_dir():
            _read_dir(os.fspath(base), relative + "/", tree)
    return tree


_CHUNK = 1 << 16


def _read(path: str) -> bytes:
    # os.open/os.read: no buffered file object per file (a third of the read time for the
    # ~13,500 small files of a 100-org output).
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, _CHUNK):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_dir(directory: str, prefix: str, tree: FileTree) -> None:
    # os.scandir and plain strings: a pathlib object per file cost most of a 13,500-file read.
    files: list[tuple[str, str]] = []
    subdirectories: list[tuple[str, str]] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if _is_dir(entry):
                    if entry.name != ".git" and not entry.is_symlink():
                        subdirectories.append((entry.name, entry.path))
                elif not entry.name.endswith(TMP_SUFFIX):
                    files.append((entry.name, entry.path))
    except OSError:
        return  # like os.walk: a directory that cannot be listed is skipped
    for name, path in sorted(files):
        relative = prefix + name
        if relative not in LOCAL_ONLY:
            tree[relative] = _read(path)
    for name, path in sorted(subdirectories):
        _read_dir(path, f"{prefix}{name}/", tree)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, content: bytes, mode: int = 0o644) -> None:
    """Write a file so that it survives a crash: temporary file, fsync, rename, fsync dir.

    After a crash ``path`` holds the old or the new content; a failed write removes its
    temporary file.

    Raises:
        OSError: the file system refused.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def apply(changeset: Changeset, root: Path, *, step: Step = _no_step,
          staged: Mapping[str, bytes] | None = None) -> None:
    """Apply a changeset to ``root`` atomically (see the module docstring).

    ``step`` is called between phases and after each rename, so that tests can interrupt
    the process at every point. ``staged`` names the temporary files already written, with
    their content (``output.staging``): those are not written again.

    Raises:
        EnvironmentProblem: a file cannot be written.
    """
    # Keystore first: keys are durable before any manifest that uses them appears.
    ordered = sorted(changeset.changes, key=lambda c: (not is_keystore(c.path), c.path))
    try:
        early = staged or {}
        stage_files(root, ((c.path, c.new) for c in ordered
                           if c.action is not Action.REMOVE and early.get(c.path) != c.new))
        # One sync(2) makes every staged file durable: much cheaper than an fsync per file
        # when a first compile writes thousands of keys.
        os.sync()
        step("staged")
        journal = {
            "renames": [c.path for c in ordered if c.action is not Action.REMOVE],
            "removals": [c.path for c in ordered if c.action is Action.REMOVE],
        }
        write_durably(root / JOURNAL, json.dumps(journal, indent=1).encode())
        step("journal")
        _roll_forward(root, journal, step)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write the output directory {root}: {exc}") from exc


def stage_files(root: Path, files: Iterable[tuple[str, bytes]]) -> None:
    """Write each content beside its destination (``root``-relative path) under the
    temporary name; nothing is renamed.

    Plain ``os`` calls on strings: a first compile stages ten thousand files and more, and
    pathlib's per-path objects and buffered files cost more than the writes themselves.

    Raises:
        OSError: the file system refused.
    """
    base = os.fspath(root)
    made: set[str] = set()
    for path, content in files:
        target = os.path.join(base, path)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        fd = os.open(target + TMP_SUFFIX, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def _roll_forward(root: Path, journal: dict[str, list[str]], step: Step) -> None:
    touched: set[str] = set()
    base = os.fspath(root)
    for path in journal.get("renames", []):
        target = os.path.join(base, path)
        try:
            os.replace(target + TMP_SUFFIX, target)
        except FileNotFoundError:
            continue  # renamed before an interruption: the journal is replayed from the start
        touched.add(os.path.dirname(target))
        step(f"rename {path}")
    for path in journal.get("removals", []):
        removed = root / path
        removed.unlink(missing_ok=True)
        touched.add(os.fspath(removed.parent))
        _prune_empty(removed.parent, root)
    if touched:
        os.sync()  # the renames are durable before the journal that replays them goes
    (root / JOURNAL).unlink(missing_ok=True)
    _fsync_dir((root / JOURNAL).parent)


def _prune_empty(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def recover(root: Path) -> str | None:
    """Finish or undo an interrupted apply; say which, or None when there was nothing to do.

    Raises:
        EnvironmentProblem: the journal is unreadable or a file cannot be moved.
    """
    journal_path = root / JOURNAL
    try:
        if journal_path.exists():
            try:
                journal = json.loads(journal_path.read_bytes())
            except ValueError as exc:
                raise EnvironmentProblem(f"{journal_path} is damaged ({exc}); restore the "
                                         "output from git and delete it") from None
            _roll_forward(root, journal, _no_step)
            return "completed an interrupted write"
        stray = [p for owned in OWNED_ROOTS for p in _temporaries(root, owned.rstrip("/"))]
        for path in stray:
            Path(path).unlink()
        return "removed the files of an interrupted write" if stray else None
    except OSError as exc:
        raise EnvironmentProblem(f"cannot recover the output directory {root}: {exc}") from exc


def _temporaries(root: Path, owned: str) -> list[str]:
    """The temporary files of an interrupted write under ``root/owned`` (or beside it)."""
    base = root / owned
    if not base.is_dir():
        sibling = base.with_name(base.name + TMP_SUFFIX)
        return [str(sibling)] if sibling.is_symlink() or sibling.exists() else []
    found: list[str] = []
    pending = [os.fspath(base)]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.name.endswith(TMP_SUFFIX):
                        found.append(entry.path)
        except OSError:
            continue
    return sorted(found)
