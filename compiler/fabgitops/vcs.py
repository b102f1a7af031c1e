"""The commit stage: the only module that talks to git (through GitPython)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import git

from fabgitops.errors import EnvironmentProblem
from fabgitops.output.changes import Action, Changeset

DEFAULT_AUTHOR = git.Actor("fabgitops", "fabgitops@localhost")


@dataclass(frozen=True)
class Repository:
    """A git working tree and where the output directory sits inside it."""

    repo: git.Repo
    prefix: str
    """The output directory relative to the working tree root ('' at the root)."""

    def path(self, output_path: str) -> str:
        """A path of the output tree as git names it."""
        return f"{self.prefix}/{output_path}" if self.prefix else output_path

    def inside(self, path: Path) -> str | None:
        """A file's path as git names it, or None when it lies outside the working tree or
        git ignores it."""
        top = Path(str(self.repo.working_tree_dir)).resolve()
        try:
            name = path.resolve().relative_to(top).as_posix()
        except ValueError:
            return None
        return None if self.repo.ignored(name) else name


def open_repository(root: Path, *, init: bool = False, branch: str = "main") -> Repository:
    """The git repository that holds ``root``; with ``init``, create one if there is none.

    Raises:
        EnvironmentProblem: ``root`` is not inside a git working tree (and ``init`` is false).
    """
    root = root.resolve()
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        if not init:
            raise EnvironmentProblem(f"{root} is not in a git repository: run `git init` there "
                                     "or pass --git-init") from None
        root.mkdir(parents=True, exist_ok=True)
        repo = git.Repo.init(root, initial_branch=branch)
    if repo.working_tree_dir is None:
        raise EnvironmentProblem(f"{root} is in a bare git repository")
    prefix = root.relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
    return Repository(repo, "" if prefix == "." else prefix)


def remote_url(repository: Repository, remote: str) -> str | None:
    """URL of a remote, or None when the repository has no such remote."""
    try:
        return str(next(iter(repository.repo.remote(remote).urls)))
    except (ValueError, StopIteration):
        return None


def has_remote(repository: Repository) -> bool:
    """Whether the repository pushes anywhere (plain secrets would then leave the machine)."""
    return bool(repository.repo.remotes)


def staged_paths(repository: Repository) -> set[str]:
    """Paths staged in the index (relative to the working tree root)."""
    repo = repository.repo
    try:
        repo.head.commit  # noqa: B018 - raises on a repository without commits
    except ValueError:
        return {str(path) for path, _ in repo.index.entries}
    return {d.a_path or d.b_path or "" for d in repo.index.diff("HEAD")}


def refuse_unrelated_staged(repository: Repository, paths: Iterable[str],
                            inputs: Iterable[str] = ()) -> None:
    """Stop before a commit would sweep in changes the user staged for something else.

    Raises:
        EnvironmentProblem: paths other than ``paths`` (output-relative) and ``inputs`` (as
            git names them) are staged.
    """
    ours = {repository.path(p) for p in paths} | set(inputs)
    unrelated = sorted(staged_paths(repository) - ours)
    if unrelated:
        shown = ", ".join(unrelated[:5]) + (" ..." if len(unrelated) > 5 else "")
        raise EnvironmentProblem(f"refusing to commit: unrelated paths are staged ({shown}); "
                                 "commit or unstage them first")


def commit(repository: Repository, changes: Changeset, message: str,
           inputs: Iterable[str] = ()) -> str | None:
    """Commit exactly the changed paths; return the new commit's hex SHA, or None if nothing.

    Args:
        repository: where to commit.
        changes: the output files written.
        message: the commit message.
        inputs: files the output was compiled from (the cluster-config), as git names them:
            committed with it when they changed, so that the commit records the config its
            ``Config: ... sha256:...`` line names and the working tree is clean afterwards.

    Raises:
        EnvironmentProblem: other paths are already staged, or git fails.
    """
    if not changes:
        return None
    inputs = list(inputs)
    refuse_unrelated_staged(repository, changes.paths, inputs)
    repo = repository.repo
    added = [*inputs,
             *(repository.path(c.path) for c in changes.changes if c.action is not Action.REMOVE)]
    removed = [repository.path(c.path) for c in changes.changes if c.action is Action.REMOVE]
    try:
        for batch in _batches(added):
            repo.git.add("--", *batch)
        for batch in _batches(removed):
            repo.git.rm("--cached", "--quiet", "--ignore-unmatch", "--", *batch)
        if not staged_paths(repository):
            return None
        author = _author(repo)
        done = repo.index.commit(message, author=author, committer=author)
    except git.GitCommandError as exc:
        raise EnvironmentProblem(f"git failed: {exc.stderr.strip() or exc}") from None
    return str(done.hexsha)


def _author(repo: git.Repo) -> git.Actor:
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default="")
    email = reader.get_value("user", "email", default="")
    if name and email:
        return git.Actor(str(name), str(email))
    return DEFAULT_AUTHOR


def _batches(paths: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(paths), size):
        yield paths[start:start + size]


def push(repository: Repository, remote: str, branch: str) -> None:
    """Push HEAD to ``remote``'s ``branch``.

    Raises:
        EnvironmentProblem: the remote does not exist or refuses the push.
    """
    try:
        target = repository.repo.remote(remote)
    except ValueError:
        raise EnvironmentProblem(f"the repository has no remote {remote!r} to push to "
                                 "(GitOps.Remote)") from None
    try:
        infos = target.push(refspec=f"HEAD:refs/heads/{branch}")
    except git.GitCommandError as exc:
        raise EnvironmentProblem(f"git push to {remote} failed: {exc.stderr.strip()}") from None
    failed = [i for i in infos if i.flags & (i.ERROR | i.REJECTED | i.REMOTE_REJECTED)]
    if failed:
        raise EnvironmentProblem(f"git push to {remote} was rejected: {failed[0].summary.strip()}")
