"""The README's first two commands stay true: CI runs the second, the first writes inside the
clone where git ignores it."""

from __future__ import annotations

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def first_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert block is not None
    return block.group(1).splitlines()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = first_commands()
    assert len(commands) == 2
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line for line in script if line and not line.startswith("#")][-1] == commands[1]


def test_the_example_compiles_into_an_ignored_directory_of_the_clone() -> None:
    install_and_compile = first_commands()[0]
    output = re.search(r" -o (\S+) ", install_and_compile)
    assert output is not None and output.group(1) == "out"
    assert "/out/" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    inputs = re.findall(r"(?:-c|--seal-cert) (\S+)", install_and_compile)
    assert len(inputs) == 2
    for path in inputs:
        assert (REPO / path).is_file(), path


def test_the_thorough_fuzz_command_is_documented() -> None:
    fuzz = (REPO / "tests" / "unit" / "test_fuzz.py").read_text(encoding="utf-8")
    command = "python -m pytest tests/unit/test_fuzz.py -m slow --fuzz"
    assert command in README and command in fuzz
