"""What ``validate`` adds for a network that already runs: the channel changes a compile would
make, refused where Fabric would refuse them.

A running channel's next update can only be judged against its history (the genesis block and
the updates in ``channels/<ch>/``), so this check is the channel stage itself, run read-only:
inputs gathered as ``diff`` gathers them, then only as far as the channel stage. It is skipped,
at no cost, when nothing runs yet or when the config is the one the output was compiled from
(that compile already judged it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fabgitops.errors import ConfigInvalid, EnvironmentProblem, Issue, Severity
from fabgitops.layout import CHANNELS_DIR, STATE_FILE
from fabgitops.output.apply import read_tree

if TYPE_CHECKING:
    from fabgitops.config_file import LoadedConfig
    from fabgitops.gather import Environment


def channel_refusals(loaded: LoadedConfig, root: Path, env: Environment | None = None
                     ) -> list[Issue]:
    """Located errors for channel changes Fabric would refuse; a warning when they cannot be
    judged here (no age identity for the keystore, say). ``env`` defaults to the system's."""
    if not _needs_check(loaded, root):
        return []
    # Imported here: the compile stages are heavy, and validate of a new network needs none.
    from fabgitops.gather import Environment, Request, gather
    from fabgitops.pipeline import channel_artifacts, prepare

    env = env or Environment.system()

    try:
        # Up to the channel stage only: nothing is sealed, rendered or written.
        inputs = gather(Request(loaded.path, root), env, sealing=False)
        channel_artifacts(prepare(inputs, env.keygen), env.random)
    except ConfigInvalid as exc:
        return list(exc.issues)
    except EnvironmentProblem as exc:
        return [loaded.document.issue(
            ("Channels",), f"the running channels' next updates were not checked: {exc}",
            severity=Severity.WARNING)]
    return []


def _needs_check(loaded: LoadedConfig, root: Path) -> bool:
    channels = read_tree(root, roots=(f"{CHANNELS_DIR}/",))
    if not any(path.endswith("/genesis.block") for path in channels):
        return False  # nothing runs yet: validate stays light (no compile stage imported)
    from fabgitops.summary import config_digest, load_state

    state = load_state(read_tree(root, roots=(STATE_FILE,)).get(STATE_FILE))
    compiled_from = state.get("config") if state else None
    return compiled_from != f"sha256:{config_digest(loaded.raw)}"
