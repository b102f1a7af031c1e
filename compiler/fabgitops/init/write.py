"""Writing the starter files to disk: the only effect of ``fabgitops init``.

Nothing is written unless every file can be: an existing file stops the whole run (exit 5)
unless ``force`` is set, so that ``init`` never half-overwrites a repository.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fabgitops.errors import EnvironmentProblem


def write_starter(directory: Path, files: Mapping[str, bytes], *, force: bool) -> list[Path]:
    """Write ``files`` (POSIX paths relative to ``directory``) and return the written paths.

    Raises:
        EnvironmentProblem: a file exists and ``force`` is false, a path is a directory, or
            the file system refuses a write.
    """
    targets = {directory.joinpath(*name.split("/")): content for name, content in files.items()}
    blocked = [path for path in targets if path.is_dir()]
    if blocked:
        raise EnvironmentProblem(f"{blocked[0]} is a directory; move it away first")
    existing = [str(path) for path in targets if path.exists()]
    if existing and not force:
        raise EnvironmentProblem(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}; "
            "nothing was written (use --force to overwrite)"
        )
    written = []
    for path, content in targets.items():
        try:
            _replace(path, content)
        except OSError as exc:
            raise EnvironmentProblem(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def _replace(path: Path, content: bytes) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.fabgitops-tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
