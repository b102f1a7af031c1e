"""``fabgitops init``: the starter files of a new config repository.

A commented ``cluster-config.yaml`` that validates as it is, the JSON Schema its editor hint
points at (a local file: it works offline and matches the installed release), and the GitHub
workflow that validates, checks and previews pull requests and compiles, commits and pushes
``main``.
"""

from __future__ import annotations

from fabgitops import __version__
from fabgitops.init import templates
from fabgitops.schema import schema_text
from fabgitops.tree import FileTree

__all__ = ["starter_files"]


def starter_files(version: str = __version__) -> FileTree:
    """The starter files keyed by their path in the repository.

    Args:
        version: the fabgitops release the workflow installs (pinned, so that a new release
            never changes the output of an unchanged config behind the users' backs).
    """
    workflow = (
        templates.WORKFLOW.replace("__INSTALL_STEPS__", templates.INSTALL_STEPS)
        .replace("__SEAL_CERT_STEP__", templates.SEAL_CERT_STEP)
        .replace("__VERSION__", version)
        .replace("__CHECKOUT__", f"{templates.CHECKOUT}  # {templates.CHECKOUT_RELEASE}")
        .replace("__SETUP_PYTHON__",
                 f"{templates.SETUP_PYTHON}  # {templates.SETUP_PYTHON_RELEASE}")
        .replace("__GITHUB_SCRIPT__",
                 f"{templates.GITHUB_SCRIPT}  # {templates.GITHUB_SCRIPT_RELEASE}")
    )
    return {
        templates.CONFIG_PATH: templates.CONFIG.replace("{schema}", templates.SCHEMA_PATH).encode(),
        templates.SCHEMA_PATH: schema_text().encode(),
        templates.WORKFLOW_PATH: workflow.encode(),
    }
