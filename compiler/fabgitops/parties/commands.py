"""The parties' commands: ``export-org`` (and, with channels across parties,
``verify-channel``). Registered on the main CLI by ``cli.py``."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from fabgitops import deliver
from fabgitops.channel.paths import genesis_block_path, updates_dir
from fabgitops.channel.stage import admin_signers
from fabgitops.errors import EnvironmentProblem, ExitCode
from fabgitops.gather import Environment, Request
from fabgitops.output.apply import write_durably
from fabgitops.parties.bundle import bundle_bytes
from fabgitops.parties.export import export_bundle
from fabgitops.parties.genesis import verify_genesis
from fabgitops.parties.signatures import pending_statuses, sign_update

_config = click.option("-c", "--config", "config_path", default="cluster-config.yaml",
                       show_default=True, type=click.Path(dir_okay=False, path_type=Path),
                       help="The cluster-config file.")
_repo = click.option("--repo", type=click.Path(file_okay=False, path_type=Path),
                     help="The output repository holding .fabgitops/keystore (default: the "
                          "config file's directory).")
_identity = click.option("--age-identity", type=click.Path(dir_okay=False, path_type=Path),
                         help="age identity file that decrypts the keystore.")


@click.command("export-org")
@click.argument("org")
@_config
@_repo
@_identity
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout).")
def export_org_command(org: str, config_path: Path, repo: Path | None,
                       age_identity: Path | None, target: Path | None) -> None:
    """Write ORG's public bundle for the other parties: MSP and TLS CA certificates, policies,
    anchor peers and each node's external endpoint and certificates; no private key.

    Deterministic: exporting again gives the same bytes. The keystore must be up to date (run
    compile first).
    """
    prepared = deliver.read_material(Request(config_path, repo, None, age_identity),
                                     Environment.system())
    bundle = export_bundle(prepared.plan, prepared.material, org, source=str(config_path))
    data = bundle_bytes(bundle)
    if target is None:
        sys.stdout.buffer.write(data)
        return
    try:
        write_durably(target, data)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write {target}: {exc.strerror}") from None
    click.echo(f"{target}: bundle of {bundle.name} ({len(bundle.nodes)} node(s))", err=True)


@click.command("verify-channel")
@click.argument("block", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_config
@_repo
@_identity
@click.option("--channel", help="Channel name (default: the block's channel).")
@click.option("--adopt", is_flag=True,
              help="After a match, make BLOCK this party's genesis block of the channel "
                   "(channels/<channel>/genesis.block), so that every party's peers join with "
                   "the same bytes; then run fabgitops compile.")
def verify_channel_command(block: Path, config_path: Path, repo: Path | None,
                           age_identity: Path | None, channel: str | None, adopt: bool) -> None:
    """Check that BLOCK, a channel genesis block compiled by another party, is exactly the
    genesis block this party's config describes (every org's MSP, policy, endpoint and
    consenter). Exits 0 when it is, 4 when it differs (listing the differences)."""
    request = Request(config_path, repo, None, age_identity)
    prepared = deliver.read_material(request, Environment.system())
    verdict = verify_genesis(prepared.plan, prepared.material.files, block.read_bytes(),
                             channel)
    if verdict.problem is not None:
        raise click.UsageError(f"{block}: {verdict.problem}")
    if not verdict.matches:
        click.echo(f"{block} is not the genesis block of {verdict.channel} that "
                   f"{config_path} describes:", err=True)
        for line in verdict.differences:
            click.echo(f"  {line}", err=True)
        raise click.exceptions.Exit(ExitCode.OUT_OF_DATE)
    digest = hashlib.sha256(block.read_bytes()).hexdigest()
    click.echo(f"{block}: the genesis block of {verdict.channel} matches {config_path} "
               f"(sha256 {digest})", err=True)
    if adopt:
        target = adopt_genesis(request.root, verdict.channel, block.read_bytes(),
                               prepared.inputs.current)
        click.echo(f"{target}: adopted; run fabgitops compile", err=True)


def adopt_genesis(root: Path, channel: str, block: bytes, current: Mapping[str, bytes]
                  ) -> Path:
    """Write a verified genesis block as the channel's genesis block.

    Raises:
        EnvironmentProblem: the channel already has updates (its block 0 is in use), or the
            file cannot be written.
    """
    if any(p.startswith(updates_dir(channel) + "/") for p in current):
        raise EnvironmentProblem(f"channel {channel} already has updates in {updates_dir(channel)}"
                                 ": its genesis block is in use and cannot be replaced")
    target = root / genesis_block_path(channel)
    try:
        write_durably(target, block)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write {target}: {exc.strerror}") from None
    return target


@click.command("sign")
@click.argument("update", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@_config
@_repo
@_identity
def sign_command(update: Path, config_path: Path, repo: Path | None,
                 age_identity: Path | None) -> None:
    """Add this party's admin signatures to UPDATE (channels/<ch>/updates/NNNN-*.tx) as
    detached files, NNNN-*.signatures/<MSPID>.sig: commit them and open a pull request to the
    party that applies the update. Prints what the update still needs."""
    request = Request(config_path, repo, None, age_identity)
    prepared = deliver.read_material(request, Environment.system())
    try:
        relative = update.resolve().relative_to(request.root.resolve()).as_posix()
    except ValueError:
        raise click.UsageError(f"{update} is not inside the output repository "
                               f"{request.root}") from None
    tree = prepared.inputs.current
    signers = admin_signers(prepared.plan, prepared.material.files)
    try:
        files = sign_update(relative, tree, signers, os.urandom)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    for path, content in sorted(files.items()):
        try:
            write_durably(request.root / path, content)
        except OSError as exc:
            raise EnvironmentProblem(f"cannot write {path}: {exc.strerror}") from None
        click.echo(f"{path}: signed", err=True)
    if not files:
        click.echo(f"{relative}: nothing to sign (this party's admins have signed)", err=True)
    for found in pending_statuses([relative.split("/")[1]], {**tree, **files}):
        if found.update == relative:
            click.echo(found.describe(), err=True)
