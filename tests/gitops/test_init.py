"""``fabgitops init``: a starter config that validates, and a workflow that does what it says."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from fabgitops import __version__, cli, yamlio
from fabgitops.config_file import load
from fabgitops.errors import ExitCode
from fabgitops.gitops import engine_files
from fabgitops.init import starter_files
from fabgitops.init.templates import CONFIG_PATH, SCHEMA_PATH, WORKFLOW_PATH
from fabgitops.schema import json_schema
from fabgitops.tree import is_generated

from .helpers import REPO_URL


def test_init_writes_a_config_that_validates(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.run(["init", str(tmp_path)]) == ExitCode.OK
    config = tmp_path / CONFIG_PATH
    assert (tmp_path / WORKFLOW_PATH).is_file()
    capsys.readouterr()
    assert cli.run(["validate", "-c", str(config)]) == ExitCode.OK
    err = capsys.readouterr().err
    assert err == f"{config}: valid\n"  # no warnings either
    loaded = load(config)
    assert all(org.enable_node_ous for org in loaded.plan.orgs)
    # It compiles into engine objects as it is.
    assert engine_files(loaded.plan, repo_url=REPO_URL)


def test_config_points_editors_to_the_schema_written_beside_it(tmp_path: Path) -> None:
    assert cli.run(["init", str(tmp_path)]) == ExitCode.OK
    text = (tmp_path / CONFIG_PATH).read_text()
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_PATH}"
    assert json.loads((tmp_path / SCHEMA_PATH).read_text()) == json_schema()
    data = yamlio.load_plain(text)
    assert {"GitOps", "Secrets"} <= set(data)
    # The sections users must fill in are shown, commented out until they have real values.
    for hint in ("# RepoURL:", "# Certificate:", "#   AgeRecipients:"):
        assert hint in text


def test_starter_files_belong_to_the_user() -> None:
    """Without the generated header the compiler never rewrites or prunes them."""
    assert not any(is_generated(content) for content in starter_files().values())


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / CONFIG_PATH
    config.write_text("mine\n", encoding="utf-8")
    assert cli.run(["init", str(tmp_path)]) == ExitCode.ENVIRONMENT
    assert "already exists" in capsys.readouterr().err
    assert config.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / WORKFLOW_PATH).exists()  # nothing at all was written
    assert cli.run(["init", "--force", str(tmp_path)]) == ExitCode.OK
    assert config.read_bytes() == starter_files()[CONFIG_PATH]


def test_init_defaults_to_the_current_directory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.run(["init"]) == ExitCode.OK
    assert (tmp_path / CONFIG_PATH).is_file()


# ----------------------------------------------------------------------------------------------
# The workflow


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.load(starter_files()[WORKFLOW_PATH].decode(),
                                     Loader=yaml.CSafeLoader)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def step(job: str, name: str) -> dict[str, Any]:
    return next(s for s in steps(job) if s.get("name") == name)


def test_triggers_and_permissions() -> None:
    wf = workflow()
    # PyYAML reads the key `on` as the YAML 1.1 boolean true, as GitHub does not.
    assert wf[True] == {"pull_request": None, "push": {"branches": ["main"]}}
    assert wf["permissions"] == {"contents": "read"}
    check, compile_ = wf["jobs"]["check"], wf["jobs"]["compile"]
    assert check["if"] == "github.event_name == 'pull_request'"
    assert check["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert compile_["if"] == "github.event_name == 'push'"
    assert compile_["permissions"] == {"contents": "write"}
    assert wf["env"]["FABGITOPS_VERSION"] == __version__


def test_actions_are_pinned_to_commits() -> None:
    text = starter_files()[WORKFLOW_PATH].decode()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert len(uses) == 5
    for ref, comment in uses:
        assert re.fullmatch(r"actions/[a-z-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), comment


def test_pull_requests_validate_check_and_comment_the_diff() -> None:
    runs = "\n".join(s.get("run", "") for s in steps("check"))
    assert 'fabgitops validate -c "$CONFIG" --format github' in runs
    assert 'fabgitops compile -c "$CONFIG" --check' in runs
    assert 'fabgitops diff -c "$CONFIG" --format markdown' in runs
    comment = step("check", "Comment the diff on the pull request")
    assert comment["uses"].startswith("actions/github-script@")
    assert "createComment" in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"]
    # Fork pull requests have a read-only token: no comment attempt there.
    assert "head.repo.full_name == github.repository" in comment["if"]


def test_main_is_compiled_committed_and_pushed_with_the_ci_identity() -> None:
    compile_ = step("compile", "Compile, commit and push")
    assert compile_["env"] == {"FABGITOPS_AGE_IDENTITY": "${{ secrets.FABGITOPS_AGE_IDENTITY }}"}
    assert ('fabgitops compile -c "$CONFIG" --commit --push '
            '${SEAL_CERT:+--seal-cert "$SEAL_CERT"}') in compile_["run"]
    assert "persist-credentials" not in str(steps("compile")[0])  # the push needs the token
    assert steps("check")[0]["with"] == {"persist-credentials": False}


def test_no_expression_is_expanded_inside_a_script() -> None:
    """``${{ }}`` inside run: is pasted into the shell unescaped (script injection)."""
    scripts = [s for job in ("check", "compile") for s in steps(job) if "run" in s]
    assert len(scripts) >= 4
    for s in scripts:
        assert "${{" not in s["run"], s.get("name")


# The shell steps, run with bash and a stand-in `fabgitops` that exits with a chosen status.

def run_step(tmp_path: Path, script: str, env: dict[str, str],
             fabgitops_status: int = 0) -> tuple[int, dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "fabgitops"
    fake.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\nexit {fabgitops_status}\n',
                    encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    files = {name: tmp_path / name for name in ("env", "output", "summary")}
    for path in files.values():
        path.write_text("", encoding="utf-8")
    full_env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}", "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(files["env"]), "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]), "CONFIG": "cluster-config.yaml",
        "SEAL_CERT_FILE": "sealed-secrets.pem", "REQUIRE_COMMITTED_OUTPUT": "false", **env,
    }
    # GitHub runs `bash -e {0}` for run: steps.
    result = subprocess.run(["bash", "-e", "-c", script], env=full_env, cwd=tmp_path,
                            capture_output=True, text=True, check=False, timeout=30)
    read = {name: path.read_text(encoding="utf-8") for name, path in files.items()}
    args = tmp_path / "args"
    read["args"] = args.read_text(encoding="utf-8") if args.exists() else ""
    read["stdout"] = result.stdout
    return result.returncode, read


@pytest.mark.parametrize("job", ["check", "compile"])
def test_sealing_certificate_comes_from_the_secret_or_the_file(tmp_path: Path, job: str) -> None:
    script = step(job, "Sealing certificate")["run"]
    status, out = run_step(tmp_path, script, {"FABGITOPS_SEAL_CERT": "-----BEGIN CERT..."})
    assert status == 0
    assert out["env"] == f"SEAL_CERT={tmp_path}/seal-cert.pem\n"
    assert (tmp_path / "seal-cert.pem").read_text(encoding="utf-8") == "-----BEGIN CERT...\n"
    (tmp_path / "sealed-secrets.pem").write_text("cert", encoding="utf-8")
    status, out = run_step(tmp_path, script, {"FABGITOPS_SEAL_CERT": ""})
    assert (status, out["env"]) == (0, "SEAL_CERT=sealed-secrets.pem\n")
    (tmp_path / "sealed-secrets.pem").unlink()
    status, out = run_step(tmp_path, script, {"FABGITOPS_SEAL_CERT": ""})
    assert (status, out["env"]) == (0, "")


@pytest.mark.parametrize(("fabgitops", "require", "expected"), [
    (0, "false", 0), (4, "false", 0), (4, "true", 4), (3, "false", 3), (5, "false", 5)])
def test_check_step_statuses(tmp_path: Path, fabgitops: int, require: str,
                             expected: int) -> None:
    script = step("check", "Compiled output up to date")["run"]
    env = {"FABGITOPS_AGE_IDENTITY": "AGE-SECRET-KEY-1TEST", "REQUIRE_COMMITTED_OUTPUT": require,
           "SEAL_CERT": "c.pem"}
    status, out = run_step(tmp_path, script, env, fabgitops)
    assert status == expected
    assert out["args"].split() == ["compile", "-c", "cluster-config.yaml", "--check",
                                   "--seal-cert", "c.pem"]


def test_steps_skip_without_identity(tmp_path: Path) -> None:
    for name in ("Compiled output up to date", "Diff"):
        status, out = run_step(tmp_path, step("check", name)["run"],
                               {"FABGITOPS_AGE_IDENTITY": ""}, fabgitops_status=1)
        assert (status, out["args"], out["output"]) == (0, "", "")
        assert "::notice" in out["stdout"]
    status, out = run_step(tmp_path, step("compile", "Compile, commit and push")["run"],
                           {"FABGITOPS_AGE_IDENTITY": ""})
    assert status == 1 and out["args"] == "" and "::error" in out["stdout"]


@pytest.mark.parametrize(("fabgitops", "expected"), [(0, 0), (4, 0), (5, 5)])
def test_diff_step_publishes_the_markdown(tmp_path: Path, fabgitops: int,
                                          expected: int) -> None:
    script = step("check", "Diff")["run"]
    status, out = run_step(tmp_path, script, {"FABGITOPS_AGE_IDENTITY": "AGE-SECRET-KEY-1X"},
                           fabgitops)
    assert status == expected
    assert out["args"].split() == ["diff", "-c", "cluster-config.yaml", "--format", "markdown"]
    if expected == 0:
        assert out["output"] == f"file={tmp_path}/fabgitops-diff.md\n"


def test_compile_step_commits_as_the_actions_bot(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    status, out = run_step(tmp_path, step("compile", "Compile, commit and push")["run"],
                           {"FABGITOPS_AGE_IDENTITY": "AGE-SECRET-KEY-1X"})
    assert status == 0
    assert out["args"].split() == ["compile", "-c", "cluster-config.yaml", "--commit", "--push"]
    name = subprocess.run(["git", "-C", str(tmp_path), "config", "user.name"],
                          capture_output=True, text=True, check=True).stdout
    assert name == "github-actions[bot]\n"
