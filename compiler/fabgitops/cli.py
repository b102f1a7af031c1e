"""The command line: parse options, call the pipeline, turn errors into exit codes.

No logic lives here. Data goes to stdout, messages to stderr; every exit status comes from
``errors.ExitCode`` and only this module decides it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from fabgitops import __version__, channel, config_file, report, yamlio
from fabgitops.errors import ConfigInvalid, ExitCode, FabgitopsError, Issue
from fabgitops.importer import import_cryptogen
from fabgitops.init import starter_files
from fabgitops.init.write import write_starter
from fabgitops.schema import SCHEMA_ID, schema_text

CONFIG_HELP = "The cluster-config file."
DEFAULT_CONFIG = "cluster-config.yaml"


class _State:
    verbose = False


config_option = click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG, show_default=True, help=CONFIG_HELP,
)


def echo_issues(issues: Sequence[Issue], fmt: report.Format = report.Format.TEXT) -> None:
    """Print issues: text to stderr (messages), JSON and annotations to stdout (data)."""
    if not issues and fmt is not report.Format.JSON:
        return
    click.echo(report.render(issues, fmt), nl=False, err=fmt is report.Format.TEXT)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="fabgitops")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on internal errors.")
def cli(verbose: bool) -> None:
    """Compile a cluster-config.yaml into a GitOps repository for Hyperledger Fabric.

    Exit codes: 0 success, 1 internal error, 2 usage error, 3 invalid configuration,
    4 output out of date (--check), 5 environment problem (keys, certificates, git).
    """
    _State.verbose = verbose


@cli.command()
@config_option
@click.option(
    "--format", "fmt", type=click.Choice([f.value for f in report.Format]), default="text",
    show_default=True,
    help="text: file:line:col messages; json: one document; github: workflow annotations.",
)
def validate(config_path: Path, fmt: str) -> None:
    """Check a cluster-config: shape (JSON Schema) and semantics; report every problem.

    Exits 0 when the file is valid (warnings are printed but allowed), 3 otherwise.
    """
    output = report.Format(fmt)
    try:
        loaded = config_file.load(config_path)
    except ConfigInvalid as exc:
        echo_issues(exc.issues, output)
        raise click.exceptions.Exit(ExitCode.INVALID_CONFIG) from None
    echo_issues(loaded.warnings, output)
    if output is report.Format.TEXT:
        click.echo(f"{config_path}: valid", err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of cluster-config.yaml."""
    click.echo(schema_text(), nl=False)


def _read_yaml(path: Path) -> yamlio.Document:
    try:
        return yamlio.parse(path.read_bytes(), source=str(path))
    except OSError as exc:
        raise ConfigInvalid([Issue(str(path), 0, 0, (), f"cannot read the file: {exc.strerror}")
                             ]) from None
    except yamlio.YamlProblems as exc:
        raise ConfigInvalid(exc.issues) from None


def _channel_ids(values: tuple[str, ...]) -> dict[str, str]:
    ids = {}
    for value in values:
        profile, sep, channel = value.partition("=")
        if not sep or not profile or not channel:
            raise click.BadParameter(f"{value!r} is not PROFILE=CHANNEL_ID",
                                     param_hint="--channel-id")
        ids[profile] = channel
    return ids


@cli.command("import-cryptogen")
@click.argument("crypto_config", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("configtx", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--channel-id", "channel_ids", multiple=True, metavar="PROFILE=ID",
              help="Channel ID of an application profile of configtx.yaml (default: the "
                   "profile name in lower case). Repeatable.")
def import_cryptogen_command(
    crypto_config: Path, configtx: Path | None, channel_ids: tuple[str, ...]
) -> None:
    """Print the cluster-config equivalent to a crypto-config.yaml (and configtx.yaml).

    MSP IDs, anchor peers, org policies, consensus type, batch settings and channels come from
    configtx.yaml; notes on what changed go to stderr.
    """
    ids = _channel_ids(channel_ids)
    imported = import_cryptogen(
        _read_yaml(crypto_config), _read_yaml(configtx) if configtx else None, ids
    )
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    sources = ", ".join(str(p) for p in (crypto_config, configtx) if p)
    click.echo(f"# yaml-language-server: $schema={SCHEMA_ID}\n"
               f"# Imported by fabgitops from {sources}.\n", nl=False)
    click.echo(yamlio.dump(imported.config, sort_keys=False), nl=False)


@cli.command("init")
@click.argument("directory", default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
def init_command(directory: Path, force: bool) -> None:
    """Start a config repository: a commented cluster-config.yaml and a GitHub workflow.

    Refuses to overwrite existing files (exit 5) unless --force is given.
    """
    for path in write_starter(directory, starter_files(), force=force):
        click.echo(f"wrote {path}", err=True)
    click.echo("Next: edit cluster-config.yaml, run `fabgitops validate`, and add the "
               "FABGITOPS_AGE_IDENTITY secret described in .github/workflows/fabgitops.yml.",
               err=True)


@cli.command()
@click.argument("artifact", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--type", "message_type", metavar="PROTO",
              help="Message type, e.g. common.Block, common.Envelope, common.ConfigUpdate "
                   "(default: detect a block or an envelope).")
def inspect(artifact: Path, message_type: str | None) -> None:
    """Print a block or transaction as JSON, like `configtxlator proto_decode`."""
    decoded = channel.inspect(artifact.read_bytes(), message_type)
    click.echo(channel.to_json(decoded), nl=False)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``fabgitops`` console script."""
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status instead of exiting (for tests and embedding)."""
    try:
        # Without standalone mode click returns the status of ctx.exit() instead of exiting.
        status = cli.main(args=list(argv) if argv is not None else None, prog_name="fabgitops",
                          standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        return ExitCode.INTERRUPTED
    except ConfigInvalid as exc:
        echo_issues(exc.issues)
        return exc.exit_code
    except FabgitopsError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except Exception as exc:
        if _State.verbose:
            traceback.print_exc()
        click.echo(f"Internal error (a bug in fabgitops): {exc!r}. Run with -v for the "
                   "traceback and report it.", err=True)
        return ExitCode.INTERNAL
    return status if isinstance(status, int) else ExitCode.OK
