"""The command line: parse options, call the pipeline, turn errors into exit codes.

No logic lives here. Data goes to stdout, messages to stderr; every exit status comes from
``errors.ExitCode`` and only this module decides it.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from fabgitops import __version__, report
from fabgitops.errors import ConfigInvalid, ExitCode, FabgitopsError, Issue, Severity

if TYPE_CHECKING:
    from fabgitops.config_file import LoadedConfig
    from fabgitops.deliver import Outcome
    from fabgitops.gather import Request
    from fabgitops.notes import Note

# Each command imports what it needs when it runs: `--help` and `validate` must start in a
# blink, and the compile pipeline (protobuf, cryptography, git) costs about a second to import.
DIFF_FORMATS = ("text", "markdown")
"""``diffreport.DiffFormat``'s values (a test keeps them equal), known without importing it."""

CONFIG_HELP = "The cluster-config file."
DEFAULT_CONFIG = "cluster-config.yaml"


class _State:
    verbose = False


_LAZY_COMMANDS = {
    "export-org": ("fabgitops.parties.commands", "export_org_command"),
    "verify-channel": ("fabgitops.parties.commands", "verify_channel_command"),
    "sign": ("fabgitops.parties.commands", "sign_command"),
}
"""Commands defined in other modules, imported only when they run (their modules import the
pipeline at the top)."""


class _LazyGroup(click.Group):
    """A group that imports the modules of :data:`_LAZY_COMMANDS` only to run one of them;
    ``--help`` reads their one-line help from the module's source instead."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, name = _LAZY_COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = _help_stub(name) if name in _LAZY_COMMANDS else \
                super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command))
        limit = formatter.width - 6 - max(len(name) for name, _ in rows)
        with formatter.section("Commands"):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows])


def _help_stub(name: str) -> click.Command:
    """A command carrying the docstring of a lazy command, read from its module's source."""
    module, function = _LAZY_COMMANDS[name]
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    docs = [ast.get_docstring(node) for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == function]
    return click.Command(name, help=docs[0] if docs else None)


config_option = click.option(
    "-c", "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG, show_default=True, help=CONFIG_HELP,
)


def echo_issues(issues: Sequence[Issue], fmt: report.Format = report.Format.TEXT) -> None:
    """Print issues: text to stderr (messages), JSON and annotations to stdout (data)."""
    if not issues and fmt is not report.Format.JSON:
        return
    click.echo(report.render(issues, fmt), nl=False, err=fmt is report.Format.TEXT)


@click.group(cls=_LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The output repository whose keystore is checked for expiring certificates "
                   "(default: the config file's directory).")
def validate(config_path: Path, fmt: str, output_dir: Path | None) -> None:
    """Check a cluster-config: shape (JSON Schema) and semantics; report every problem.

    Exits 0 when the file is valid (warnings are printed but allowed), 3 otherwise.
    """
    from fabgitops import config_file

    output = report.Format(fmt)
    try:
        loaded = config_file.load(config_path)
    except ConfigInvalid as exc:
        echo_issues(exc.issues, output)
        raise click.exceptions.Exit(ExitCode.INVALID_CONFIG) from None
    root = output_dir if output_dir is not None else loaded.path.parent
    warnings = [*loaded.warnings, *_expiry_warnings(loaded, root),
                *_signature_warnings(loaded, root)]
    refused = _channel_refusals(loaded, root)
    if any(issue.severity is Severity.ERROR for issue in refused):
        echo_issues([*refused, *warnings], output)
        raise click.exceptions.Exit(ExitCode.INVALID_CONFIG)
    warnings += refused
    echo_issues(warnings, output)
    if output is report.Format.TEXT:
        click.echo(f"{config_path}: valid", err=True)


def _expiry_warnings(loaded: LoadedConfig, root: Path) -> list[Issue]:
    from fabgitops.layout import KEYSTORE_PREFIX
    from fabgitops.output.apply import read_tree

    days = loaded.plan.keystore.expiry_warning_days
    keystore = read_tree(root, roots=(KEYSTORE_PREFIX,))
    if not keystore:
        return []  # nothing can expire, and cryptography need not be imported
    from fabgitops.crypto.expiry import expiring_in_keystore
    from fabgitops.gather import Environment

    now = Environment.system().clock()
    soon = expiring_in_keystore(keystore, now=now, within_days=days)
    return [
        loaded.document.issue(("Keystore",), f"{item.path} ({item.common_name}) expires on "
                              f"{item.not_after:%Y-%m-%d}: run fabgitops compile --renew",
                              severity=Severity.WARNING)
        for item in soon
    ]


def _signature_warnings(loaded: LoadedConfig, root: Path) -> list[Issue]:
    if not any(org.external for org in loaded.plan.orgs):
        return []  # only channels shared with other parties collect signatures
    from fabgitops.layout import CHANNELS_DIR
    from fabgitops.output.apply import read_tree
    from fabgitops.parties.signatures import signature_issues

    return signature_issues(loaded.plan, read_tree(root, roots=(f"{CHANNELS_DIR}/",)))


def _channel_refusals(loaded: LoadedConfig, root: Path) -> list[Issue]:
    from fabgitops.pending import channel_refusals

    return channel_refusals(loaded, root)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of cluster-config.yaml."""
    from fabgitops.schema import schema_text

    click.echo(schema_text(), nl=False)


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
    from fabgitops import config_file, yamlio
    from fabgitops.importer import import_cryptogen
    from fabgitops.init.templates import SCHEMA_PATH

    ids = _channel_ids(channel_ids)
    imported = import_cryptogen(
        config_file.read_document(crypto_config),
        config_file.read_document(configtx) if configtx else None,
        ids,
    )
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"note: the editor hint expects the schema beside the config: fabgitops schema > "
               f"{SCHEMA_PATH}", err=True)
    sources = ", ".join(str(p) for p in (crypto_config, configtx) if p)
    click.echo(f"# yaml-language-server: $schema={SCHEMA_PATH}\n"
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
    from fabgitops.init import starter_files
    from fabgitops.init.write import write_starter

    for path in write_starter(directory, starter_files(), force=force):
        click.echo(f"wrote {path}", err=True)
    click.echo("Next: edit cluster-config.yaml, run `fabgitops validate`, and add the "
               "FABGITOPS_AGE_IDENTITY secret described in .github/workflows/fabgitops.yml.",
               err=True)


def compile_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options shared by ``compile`` and ``diff`` (they compute the same tree)."""
    for option in reversed((
        config_option,
        click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
                     help="The output repository root (default: the config file's directory)."),
        click.option("--seal-cert", type=click.Path(dir_okay=False, path_type=Path),
                     help="The Sealed Secrets controller certificate (`kubeseal --fetch-cert`);"
                          " overrides Secrets.SealedSecrets.Certificate."),
        click.option("--age-identity", type=click.Path(dir_okay=False, path_type=Path),
                     help="age identity file that decrypts the keystore (else "
                          "$FABGITOPS_AGE_IDENTITY, else the local identity)."),
        click.option("--renew", is_flag=True,
                     help="Reissue leaf certificates that expire within "
                          "Keystore.ExpiryWarningDays, keeping their keys."),
    )):
        command = option(command)
    return command


def _request(config_path: Path, output: Path | None, seal_cert: Path | None,
             age_identity: Path | None, renew: bool) -> Request:
    from fabgitops.gather import Request

    return Request(config_path, output, seal_cert, age_identity, renew)


def _notes(notes: Sequence[Note]) -> None:
    """Print notes; routine creations only as a count unless -v."""
    from fabgitops.notes import NoteKind

    created = sum(1 for n in notes if n.kind is NoteKind.CREATED)
    prefix = {NoteKind.CREATED: "note: ", NoteKind.INFO: "note: ", NoteKind.WARNING: "warning: "}
    for note in notes:
        if note.kind is not NoteKind.CREATED or _State.verbose:
            click.echo(prefix[note.kind] + note.text, err=True)
    if created and not _State.verbose:
        click.echo(f"note: created {created} certificate pairs, keys and credentials "
                   "(-v lists them)", err=True)


def _report(outcome: Outcome) -> None:
    from fabgitops.crypto import expiring

    compiled = outcome.compiled
    echo_issues(compiled.warnings)
    _notes(outcome.notes)
    for item in expiring(compiled.material, now=compiled.inputs.now,
                         within_days=compiled.plan.keystore.expiry_warning_days):
        click.echo(f"warning: {item.path} ({item.common_name}) expires on "
                   f"{item.not_after:%Y-%m-%d}; run compile --renew", err=True)


def _nothing_changed(config_path: Path, output: Path | None, seal_cert: Path | None,
                     age_identity: Path | None) -> bool:
    """Whether the record of the last quiet write says a compile would change nothing
    (``output.fingerprint``): answered without validating, decrypting or rendering."""
    import os
    import time

    from fabgitops.output import fingerprint

    root = output if output is not None else config_path.parent
    environ, home = dict(os.environ), Path.home()
    record = fingerprint.read_record(fingerprint.cache_file(environ, home, root))
    if record is None:
        return False
    key = fingerprint.RequestKey(config_path, root, seal_cert, age_identity)
    request = fingerprint.request_digest(key, environ, home)
    return fingerprint.is_current(record, root, request, time.time())


@cli.command("compile")
@compile_options
@click.option("--check", is_flag=True,
              help="Write nothing; exit 4 and list the files a compile would change.")
@click.option("--dry-run", is_flag=True, help="Write nothing; say what would change.")
@click.option("--commit", is_flag=True, help="Commit the changed files with git.")
@click.option("--push", is_flag=True,
              help="Commit, then push to GitOps.Remote's GitOps.Branch.")
@click.option("--git-init", is_flag=True,
              help="Create a git repository in the output directory if there is none.")
@click.option("--allow-plaintext-secrets", is_flag=True,
              help="Let --commit commit plain Secrets to a repository with a remote.")
def compile_command(config_path: Path, output: Path | None, seal_cert: Path | None,
                    age_identity: Path | None, renew: bool, check: bool, dry_run: bool,
                    commit: bool, push: bool, git_init: bool,
                    allow_plaintext_secrets: bool) -> None:
    """Compile the network into the output repository.

    Validates the config, reuses or creates every key and certificate, builds the channel
    blocks, renders the Kustomize overlays with sealed secrets and the Argo CD / Flux objects,
    and writes the difference atomically.
    """
    if not (commit or push or git_init or renew) \
            and _nothing_changed(config_path, output, seal_cert, age_identity):
        # Exactly what the full path prints when it finds nothing to change.
        if check:
            click.echo("The output is up to date.", err=True)
            return
        root = output if output is not None else config_path.parent
        verb = "would change" if dry_run else "changed"
        click.echo(f"{root}: 0 file(s) {verb} (0 add, 0 change, 0 remove)", err=True)
        return
    from fabgitops import deliver
    from fabgitops.deliver import GitOptions, Mode
    from fabgitops.gather import Environment
    from fabgitops.output.changes import Action

    mode = Mode.CHECK if check else Mode.DRY_RUN if dry_run else Mode.WRITE
    request = _request(config_path, output, seal_cert, age_identity, renew)
    git = GitOptions(commit=commit or push, push=push, init=git_init,
                     allow_plaintext_secrets=allow_plaintext_secrets)
    outcome = deliver.run(request, Environment.system(), mode, git)
    compiled = outcome.compiled
    if outcome.recovered:
        click.echo(f"note: {outcome.recovered}", err=True)
    _report(outcome)
    changes = compiled.changes
    if mode is Mode.CHECK:
        for change in changes.changes:
            click.echo(f"{change.action.value} {change.path}")
        if changes:
            click.echo(f"{len(changes.changes)} file(s) out of date: run fabgitops compile",
                       err=True)
            raise click.exceptions.Exit(ExitCode.OUT_OF_DATE)
        click.echo("The output is up to date.", err=True)
        return
    for phrase in compiled.headline:
        click.echo(phrase, err=True)
    verb = "would change" if mode is Mode.DRY_RUN else "changed"
    click.echo(f"{request.root}: {len(changes.changes)} file(s) {verb} ("
               + ", ".join(f"{changes.count(a)} {a.value}" for a in Action) + ")", err=True)
    if outcome.commit:
        click.echo(f"committed {outcome.commit[:12]}" + (" and pushed" if outcome.pushed
                                                           else ""), err=True)
    elif commit or push:
        click.echo("nothing to commit", err=True)


@cli.command("diff")
@compile_options
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS),
              default="text", show_default=True,
              help="text for terminals; markdown for a pull-request comment.")
def diff_command(config_path: Path, output: Path | None, seal_cert: Path | None,
                 age_identity: Path | None, renew: bool, fmt: str) -> None:
    """Show what a compile would change, per org, kind and object (sealed values hidden)."""
    from fabgitops import deliver
    from fabgitops.deliver import Mode
    from fabgitops.diffreport import DiffFormat, render_diff
    from fabgitops.gather import Environment

    request = _request(config_path, output, seal_cert, age_identity, renew)
    outcome = deliver.run(request, Environment.system(), Mode.DRY_RUN)
    _report(outcome)
    compiled = outcome.compiled
    click.echo(render_diff(compiled.changes, compiled.headline, DiffFormat(fmt)), nl=False)


@cli.command("export-crypto")
@config_option
@click.option("-o", "--output", "target", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory to create with the crypto-config tree (must be empty).")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path),
              help="The output repository holding .fabgitops/keystore (default: the config "
                   "file's directory).")
@click.option("--age-identity", type=click.Path(dir_okay=False, path_type=Path),
              help="age identity file that decrypts the keystore.")
def export_crypto_command(config_path: Path, target: Path, repo: Path | None,
                          age_identity: Path | None) -> None:
    """Write the keystore as cryptogen's crypto-config tree, keys decrypted (mode 0600).

    For the `peer` and `osnadmin` CLIs, and to compare with cryptogen's output. The keystore
    must be up to date with the config (run compile first): no key is ever created here.
    """
    from fabgitops import deliver
    from fabgitops.crypto import export_crypto
    from fabgitops.gather import Environment, Request

    request = Request(config_path, repo, None, age_identity)
    prepared = deliver.read_material(request, Environment.system())
    _notes(prepared.material.notes)
    written = export_crypto(prepared.material, target)
    click.echo(f"{target}: {len(written)} files (private keys mode 0600)", err=True)


@cli.command()
@click.argument("artifact", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--type", "message_type", metavar="PROTO",
              help="Message type, e.g. common.Block, common.Envelope, common.ConfigUpdate "
                   "(default: detect a block or an envelope).")
def inspect(artifact: Path, message_type: str | None) -> None:
    """Print a block or transaction as JSON, like `configtxlator proto_decode`, or list a
    chaincode package (.tar.gz): its package ID, files and connection.json."""
    from fabgitops import channel
    from fabgitops.chaincode.inspect import describe_package, is_package

    data = artifact.read_bytes()
    if message_type is None and is_package(data):
        click.echo(describe_package(data), nl=False)
        return
    decoded = channel.inspect(data, message_type)
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
