"""What every part of the render stage reads (the inputs) and writes (the collector)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from fabgitops.channel import ChannelArtifacts
from fabgitops.crypto import CryptoMaterial
from fabgitops.errors import ConfigInvalid, EnvironmentProblem
from fabgitops.keystore.value import KeystoreSecret
from fabgitops.model import Expose
from fabgitops.monitoring.inventory import by_org_directory
from fabgitops.plan import NodeKind, Org, Plan, Source
from fabgitops.render.common import USER_PATCHES, Labels
from fabgitops.seal import PlainSecret
from fabgitops.tree import FileTree


@dataclass(frozen=True)
class RenderInputs:
    """The stage's inputs."""

    plan: Plan
    material: CryptoMaterial
    artifacts: ChannelArtifacts
    """The channel stage's result."""
    user_paths: frozenset[str]
    """Paths of user-owned files in the output (``overlays/<ns>/patches/kustomization.yaml``)."""
    chaincode_client_auth: frozenset[str] = frozenset()
    """Orgs running a chaincode server that checks the peers' TLS client certificates."""
    signatures: Mapping[str, bytes] = field(default_factory=dict)
    """Detached signatures of channel updates in the output (``fabgitops.parties``)."""

    @property
    def expose(self) -> Expose:
        """How nodes are reachable from outside the cluster."""
        return self.plan.kubernetes.expose

    @cached_property
    def _orgs(self) -> tuple[Org, ...]:
        """``plan.orgs`` (a property that concatenates a new tuple on each call)."""
        return self.plan.orgs

    @cached_property
    def _positions(self) -> Mapping[str, int]:
        """The position of each org (by name) in ``plan.orgs``."""
        return {o.name: i for i, o in enumerate(self._orgs)}

    @cached_property
    def _channel_members(self) -> Mapping[str, frozenset[int]]:
        """The positions in ``plan.orgs`` of each channel's orgs."""
        members: dict[str, set[int]] = {}
        for i, org in enumerate(self.plan.orgs):
            for channel in org.channels:
                members.setdefault(channel, set()).add(i)
        return {c: frozenset(m) for c, m in members.items()}

    @cached_property
    def peer_orgs_by_name(self) -> Mapping[str, Org]:
        """The peer orgs by ``Name`` (built once, not once per org that runs a chaincode)."""
        return {o.name: o for o in self.plan.peer_orgs}

    @cached_property
    def _keystores(self) -> Mapping[str, Mapping[str, bytes]]:
        return by_org_directory(self.material.keystore)

    def org_keystore(self, org: Org) -> Mapping[str, bytes]:
        """The keystore files below the org's directory (indexed once for every org)."""
        return self._keystores.get(org.crypto_dir, {})

    def partner_orgs(self, org: Org) -> tuple[Org, ...]:
        """The orgs whose namespaces an org's NetworkPolicies admit, in ``plan.orgs`` order.

        An orderer org serves every org: every org. A peer org: :meth:`channel_partners` (the
        only peers that gossip with, endorse for or commit through its peers). Every org for
        every org would grow the output with the square of the orgs.
        """
        return self._orgs if org.kind is NodeKind.ORDERER else self.channel_partners(org)

    def channel_partners(self, org: Org) -> tuple[Org, ...]:
        """The org itself, the orderer orgs and the orgs it shares a channel with (an orderer
        org is in every channel), in ``plan.orgs`` order: whose TLS CAs its ``tls-roots``
        holds, the only ones its Jobs and CLI dial. Every org's in every namespace grew the
        output with the square of the orgs (1000 orgs: about 900 MB) and passed a
        ConfigMap's 1 MiB beyond about 1,100 orgs.
        """
        orgs = self._orgs
        wanted = set(range(len(self.plan.orderer_orgs)))  # plan.orgs starts with them
        wanted.add(self._positions[org.name])
        for channel in org.channels:
            wanted |= self._channel_members.get(channel, frozenset())
        return tuple(orgs[i] for i in sorted(wanted))

    def labels(self, org: Org | str, role: str, name: str, instance: str,
               node_label: str | None = None) -> Labels:
        """Labels of an object of ``org`` (or of a namespace given by name)."""
        namespace = org if isinstance(org, str) else org.namespace
        return Labels(self.plan.network_name, namespace, role, name, instance, node_label)

    def user_components(self, overlay: str) -> list[str]:
        """``[patches]`` when the user wrote ``<overlay>/patches/kustomization.yaml``, the
        Component an overlay's kustomization then includes; else none."""
        return [USER_PATCHES] if f"{overlay}/{USER_PATCHES}/kustomization.yaml" in \
            self.user_paths else []

    def credential(self, name: str) -> KeystoreSecret:
        """A generated credential (CA admin or CouchDB password), still encrypted: the seal
        stage decrypts it only if its Secret must be sealed again.

        Raises:
            EnvironmentProblem: the crypto stage did not generate it.
        """
        try:
            return self.material.secret_credential(name)
        except KeyError as exc:
            raise EnvironmentProblem(str(exc.args[0])) from None


@dataclass
class Collector:
    """The files and secrets being rendered, with a check that no two objects share a name."""

    sources: Mapping[str, Source]
    """The org of each namespace, to locate a clash of generated names."""
    files: FileTree = field(default_factory=dict)
    secrets: list[PlainSecret] = field(default_factory=list)
    _owners: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _kinds: set[tuple[str, str]] = field(default_factory=set)
    """(namespace, kind) of every claim: ``holds`` is asked once per org, a scan of every
    claim would make rendering quadratic in the number of orgs."""

    def file(self, path: str, content: bytes) -> None:
        """Add a file; a path written twice is a bug in the renderer."""
        if path in self.files:
            raise ValueError(f"render produced {path} twice")
        self.files[path] = content

    def files_of(self, directory: str, files: Mapping[str, bytes]) -> list[str]:
        """Add files of one directory by name; return the names (kustomization resources)."""
        for name, content in files.items():
            self.file(f"{directory}/{name}", content)
        return list(files)

    def secret(self, secret: PlainSecret) -> None:
        """Add a Secret for the seal stage (written at ``secret.path``)."""
        self.claim(secret.namespace, "Secret", secret.name, secret.path)
        self.secrets.append(secret)

    def absorb(self, other: Collector) -> None:
        """Add what another collector (of other orgs) rendered, checking names across both."""
        for (namespace, kind, name), owner in other._owners.items():
            self.claim(namespace, kind, name, owner)
        for path, content in other.files.items():
            self.file(path, content)
        self.secrets += other.secrets

    def holds(self, namespace: str, kind: str) -> bool:
        """Whether an object of ``kind`` was claimed in ``namespace``."""
        return (namespace, kind) in self._kinds

    def claim(self, namespace: str, kind: str, name: str, owner: str) -> None:
        """Record an object name (``kind`` "directory": a directory of the org's overlay).

        Files at the overlay root cannot clash with node directories: their names have a dot,
        host names never do.

        Raises:
            ConfigInvalid: another object of the namespace already has this kind and name (two
                host names whose derived names meet, e.g. a peer named ``admin`` and the org
                admin's ``admin-msp``).
        """
        key = (namespace, kind, name)
        if key in self._owners and self._owners[key] != owner:
            message = (f"{kind} {namespace}/{name} would be generated twice (for "
                       f"{self._owners[key]} and {owner}): rename the host")
            if namespace not in self.sources:
                raise ValueError(message)
            raise ConfigInvalid([self.sources[namespace].issue(message)])
        self._owners[key] = owner
        self._kinds.add((namespace, kind))
