"""Start-up cost: ``--help`` and ``validate`` import neither protobuf, git nor the compile
pipeline (issue 14: they must answer in a blink). ``validate`` may load ``cryptography``: the
certificate rules build subjects with the crypto stage's own X.509 name builder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from fabgitops import cli
from fabgitops.cli import DIFF_FORMATS
from fabgitops.diffreport import DiffFormat
from tests.conftest import ARTICLE

HEAVY = ("google.protobuf", "fabric_protos", "git", "fabgitops.pipeline", "fabgitops.gather",
         "fabgitops.crypto.stage", "fabgitops.crypto.reconcile", "fabgitops.channel.stage",
         "fabgitops.render", "fabgitops.seal")

_PROBE = """
import json, sys
from fabgitops.cli import run
status = run(sys.argv[1:])
print(json.dumps([status, sorted(sys.modules)]))
"""


def _modules_after(*argv: str) -> tuple[int, list[str]]:
    result = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                            text=True, check=True)
    status, modules = json.loads(result.stdout.splitlines()[-1])
    return status, list(modules)


def _heavy(modules: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return [m for m in modules if m.split(".")[0] in heavy or m.startswith(heavy)]


@pytest.mark.parametrize("argv", [["--help"], ["validate", "-c", str(ARTICLE)]])
def test_light_commands_import_nothing_heavy(argv: list[str]) -> None:
    status, modules = _modules_after(*argv)
    assert status == 0
    assert "fabgitops.cli" in modules
    assert _heavy(modules) == []


def test_help_imports_no_model_and_no_cryptography() -> None:
    status, modules = _modules_after("--help")
    assert status == 0
    assert _heavy(modules, ("cryptography", "pydantic", "jsonschema", "yaml")) == []


VALIDATE_SKIPS = (
    "fabgitops.parties",  # the example has no External org: no bundle model or checks
    "fabgitops.yamlemit",  # validate writes nothing
    "fabgitops.gitops.argocd",  # the engines' objects are compiled, not validated
    "fabgitops.gitops.flux",
    "fabgitops.chaincode.package",  # the packager (tar, gzip) only for configs with chaincodes
    "tarfile",
)


def test_validate_of_the_example_skips_what_it_does_not_use() -> None:
    status, modules = _modules_after("validate", "-c", str(ARTICLE))
    assert status == 0
    assert {"fabgitops.placement.place", "fabgitops.gitops.common",
            "fabgitops.rules.chaincodes"} <= set(modules)
    assert _heavy(modules, VALIDATE_SKIPS) == []


def test_models_build_when_validation_needs_them_not_at_import() -> None:
    probe = ("import json; from fabgitops import model; from fabgitops.model import StrictModel\n"
             "def every(c): return [m for s in c.__subclasses__() for m in (s, *every(s))]\n"
             "before = [m.__pydantic_complete__ for m in every(StrictModel)]\n"
             "model.build_validators()\n"
             "print(json.dumps([before, [m.__pydantic_complete__ for m in every(StrictModel)]]))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    before, after = json.loads(result.stdout)
    assert len(before) > 30
    assert not any(before)  # deferred: importing the models builds nothing
    assert all(after)


def test_the_compile_path_imports_git_only_to_commit() -> None:
    # deliver loads the whole pipeline; GitPython only when --commit or --push (or a config
    # without RepoURL that reads the remote) needs it.
    result = subprocess.run([sys.executable, "-c", "import json, sys, fabgitops.deliver; "
                             "print(json.dumps(sorted(sys.modules)))"],
                            capture_output=True, text=True, check=True)
    modules = json.loads(result.stdout)
    assert "fabgitops.pipeline" in modules
    assert _heavy(modules, ("git", "gitdb", "fabgitops.vcs")) == []


def test_the_probe_sees_heavy_imports(tmp_path: Path) -> None:
    # inspect decodes protobuf: the same probe reports what it loaded, even when it fails.
    junk = tmp_path / "junk.block"
    junk.write_bytes(b"not a block")
    status, modules = _modules_after("inspect", str(junk))
    assert status != 0
    assert "fabric_protos" in [m.split(".")[0] for m in _heavy(modules)]


@pytest.mark.parametrize("name", sorted(cli._LAZY_COMMANDS))
def test_lazy_commands_show_their_own_help(name: str) -> None:
    real = cli.cli.get_command(click.Context(cli.cli), name)
    assert real is not None
    assert real.name == name
    for limit in (40, 80):
        assert cli._help_stub(name).get_short_help_str(limit) == real.get_short_help_str(limit)


def test_diff_formats_match_the_report() -> None:
    assert tuple(f.value for f in DiffFormat) == DIFF_FORMATS
