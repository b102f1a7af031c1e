"""``fabgitops export-crypto``: the material as the ``crypto-config/`` tree cryptogen writes.

This is the only place private keys leave memory in clear, for tools that expect cryptogen's
output (configtxgen, peer CLI, fabric-samples scripts). Files are created 0600 and directories
0700 (cryptogen uses 0644/0755 except for keys), whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path

from fabgitops.crypto.material import CryptoMaterial
from fabgitops.errors import EnvironmentProblem

FILE_MODE = 0o600
DIR_MODE = 0o700


def export_crypto(material: CryptoMaterial, out_dir: Path) -> list[Path]:
    """Write ``material`` under ``out_dir`` (the ``crypto-config`` root, like cryptogen's
    ``--output``), keys decrypted, empty ``admincerts`` folders included.

    Returns:
        The files written, in path order.

    Raises:
        EnvironmentProblem: ``out_dir`` exists and is not empty (nothing is overwritten or
            mixed with older material), or the file system refuses.
    """
    try:
        if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
            raise EnvironmentProblem(
                f"{out_dir} exists and is not an empty directory; choose a new directory"
            )
        _mkdir(out_dir)
        for directory in material.directories:
            _mkdir(out_dir / directory)
        written = []
        for relative in sorted(material.files):
            path = out_dir / relative
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(material.files[relative])
            written.append(path)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot export crypto material to {out_dir}: {exc}") from None
    return written


def _mkdir(path: Path) -> None:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
