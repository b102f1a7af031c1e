"""A running channel's history in git: its genesis block and the numbered updates since.

``channels/<ch>/genesis.block`` is written once and never again. Every later change of the
declared channel becomes ``channels/<ch>/updates/NNNN-<slug>.tx``, a signed CONFIG_UPDATE
envelope, computed from the config after the previous update (read back from git by applying
the updates to the genesis config, exactly as the orderer applies them: ``configmap.apply``)
to the declared config. Files are never edited: a recompile finds the declared config equal to
the last one and writes nothing new, and a change is a new number.

Before an update is written it is checked as the orderer would check it: versions
(``configmap``), consenter rules (``consenters``) and mod_policies against the admins that sign
it (``authorize``), so a change Fabric would reject is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from fabgitops.channel import authorize, capabilities, changes, configmap, consenters, update
from fabgitops.channel._pb import Proto, configtx, serialize
from fabgitops.channel.envelope import read_config_block, read_config_update
from fabgitops.channel.paths import genesis_block_path, update_path, updates_dir
from fabgitops.channel.signing import KeyedSigner, signed_update_envelope
from fabgitops.errors import EnvironmentProblem

_UPDATE_NAME = re.compile(r"^(\d{4})-([a-z0-9-]+)\.tx$")


class Refused(ValueError):
    """A declared change that Fabric would reject; the message says why."""


@dataclass(frozen=True)
class Update:
    """One update file with the configs before and after it."""

    path: str
    envelope: bytes
    config_update: Proto
    base: Proto
    """``common.Config`` the update applies to."""
    target: Proto
    """``common.Config`` after it."""

    @property
    def number(self) -> int:
        """The update's number (``0001`` -> 1)."""
        return int(self.path.rsplit("/", 1)[-1][:4])


@dataclass(frozen=True)
class History:
    """A channel's genesis config and its updates, oldest first."""

    channel: str
    genesis: bytes
    genesis_config: Proto
    updates: tuple[Update, ...]

    @property
    def config(self) -> Proto:
        """The config after the last update."""
        return self.updates[-1].target if self.updates else self.genesis_config


def read_history(channel: str, tree: Mapping[str, bytes]) -> History | None:
    """The history of ``channel`` in an output tree, or None if it has no genesis block yet.

    Raises:
        EnvironmentProblem: a file of the history is unreadable, misnumbered or no longer
            applies (someone edited the history by hand).
    """
    genesis_path = genesis_block_path(channel)
    genesis = tree.get(genesis_path)
    if genesis is None:
        return None
    decoded = read_config_block(genesis)
    if decoded is None or decoded[0] != channel:
        raise EnvironmentProblem(f"{genesis_path} is not the genesis block of {channel}")
    config = decoded[1]
    prefix = updates_dir(channel) + "/"
    names = sorted(p[len(prefix):] for p in tree if p.startswith(prefix) and p.endswith(".tx"))
    updates = []
    for expected, name in enumerate(names, start=1):
        path = prefix + name
        match = _UPDATE_NAME.match(name)
        if match is None or int(match.group(1)) != expected:
            raise EnvironmentProblem(f"{path}: channel updates are numbered 0001, 0002, ... "
                                     f"without gaps; expected number {expected:04d}")
        envelope = tree[path]
        parsed = read_config_update(envelope)
        if parsed is None or parsed[0] != channel:
            raise EnvironmentProblem(f"{path} is not a config update of channel {channel}")
        try:
            target = configmap.apply(config, parsed[1])
        except configmap.UpdateRejected as exc:
            raise EnvironmentProblem(f"{path} does not apply to the config before it ({exc}); "
                                     "the channel history was edited") from None
        updates.append(Update(path, envelope, parsed[1], config, target))
        config = target
    return History(channel, genesis, decoded[1], tuple(updates))


def next_update(history: History, desired: Proto, candidates: Sequence[KeyedSigner], *,
                timestamp: int, rng: Callable[[int], bytes], partial: bool = False,
                fabric_version: str = "", binaries_changing: bool = False) -> Update | None:
    """The signed update from the history's last config to channel group ``desired``, or None
    when they are equal.

    With ``partial`` (other parties hold some admin keys), an update this party's admins cannot
    authorize alone is signed by all of them; the others' signatures are collected in git
    (``fabgitops.parties.signatures``).

    ``binaries_changing``: this compile changes the Fabric version, so the channel keeps its
    capabilities (``capabilities``: binaries first, capabilities in a later compile).

    Raises:
        Refused: the orderer would reject the update, the admins cannot satisfy its policies,
            or the binaries of ``fabric_version`` do not support the channel's capabilities.
    """
    base = history.config
    desired = consenters.keep_renewed(base.channel_group, desired)
    if binaries_changing:
        desired = capabilities.hold(base.channel_group, desired)
    problem = capabilities.unsupported(desired, fabric_version)
    if problem:
        raise Refused(problem)
    try:
        config_update = update.compute(base.channel_group, desired)
    except ValueError:
        return None
    config_update.channel_id = history.channel
    try:
        modified = configmap.delta(base, config_update)
    except configmap.UpdateRejected as exc:
        raise Refused(str(exc)) from None
    target = configmap.apply(base, config_update)
    problem = consenters.check(base, target)
    if problem:
        raise Refused(problem)
    required = authorize.requirements(modified, base)
    by_signer = {k.signer: k for k in candidates}
    try:
        chosen = authorize.choose_signers(base.channel_group, sorted({r.policy for r in required}),
                                          [k.signer for k in candidates])
    except authorize.Unsatisfiable as exc:
        if not partial:
            raise Refused(str(exc)) from None
        chosen = [k.signer for k in candidates]
    if not chosen:
        # Only new elements: no policy to satisfy, but /Channel/Writers must sign the envelope.
        chosen = [c.signer for c in candidates[:1]]
    envelope = signed_update_envelope(config_update, [by_signer[s] for s in chosen],
                                      timestamp=timestamp, rng=rng)
    number = len(history.updates) + 1
    path = update_path(history.channel, number, changes.slug(changes.describe(base, target)))
    return Update(path, serialize(envelope), config_update, base, target)


def with_update(history: History, added: Update) -> History:
    """The history with one more update."""
    return History(history.channel, history.genesis, history.genesis_config,
                   (*history.updates, added))


def config_bytes(config: Proto) -> bytes:
    """A ``common.Config`` serialized (what the apply Job compares the live channel with)."""
    return serialize(configtx.Config(sequence=config.sequence, channel_group=config.channel_group))
