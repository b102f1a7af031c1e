"""The parties' commands: ``export-org`` (and, with channels across parties,
``verify-channel``). Registered on the main CLI by ``cli.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fabgitops import deliver
from fabgitops.errors import EnvironmentProblem
from fabgitops.gather import Environment, Request
from fabgitops.output.apply import write_durably
from fabgitops.parties.bundle import bundle_bytes
from fabgitops.parties.export import export_bundle

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
