"""The one YAML reader and writer of the project.

Reading keeps the source position of every node so that each configuration problem can be
reported as ``file:line:col``; it rejects duplicate keys, unknown tags and alias bombs instead of
raising. Writing (``yamlemit``) is deterministic (keys sorted, as given, or in Kubernetes'
customary order for manifests; block style; literal blocks for multi-line text) and quotes every
string that a YAML 1.1 reader such as Kubernetes could take for something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from fabgitops.errors import Issue

Path = tuple[str | int, ...]
Position = tuple[int, int]

# Caps the number of nodes a document may expand to: a "billion laughs" file is a few hundred
# bytes of aliases that would otherwise expand to gigabytes.
MAX_NODES = 200_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    _STR_TAG,
}
# Timestamps and binary stay as the text the user wrote: nothing in a cluster-config is a date,
# and a readable "expected a string" is better than a datetime sneaking through.
_TEXT_TAGS = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", _MERGE_TAG}


@dataclass(frozen=True)
class Document:
    """A parsed YAML document as plain JSON-like data plus the position of every node."""

    source: str
    data: Any
    positions: Mapping[Path, Position] = field(default_factory=dict)

    def locate(self, path: Path) -> Position:
        """Return the 1-based (line, column) of ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return pos
        return (1, 1)

    def issue(self, path: Path, message: str, **kwargs: Any) -> Issue:
        """Build an :class:`Issue` located at ``path`` in this document."""
        line, col = self.locate(path)
        return Issue(self.source, line, col, tuple(path), message, **kwargs)


class YamlProblems(Exception):
    """The text is not a usable YAML document; ``issues`` says where and why."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("; ".join(i.message for i in issues))


def parse(text: bytes | str, *, source: str) -> Document:
    """Parse one YAML document, raising :class:`YamlProblems` with every located problem."""
    if isinstance(text, bytes):
        text = _decode(text, source)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblems([Issue(source, line, col, (), f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Issue(source, 1, 1, (), f"invalid YAML: {exc}")]) from None
    if len(nodes) > 1:
        extra = nodes[1].start_mark
        msg = "expected one YAML document, found several (remove the '---' separator)"
        raise YamlProblems([Issue(source, extra.line + 1, extra.column + 1, (), msg)])
    if not nodes:
        raise YamlProblems([Issue(source, 1, 1, (), "the file is empty")])
    builder = _Builder(source)
    data = builder.build(nodes[0], ())
    if builder.issues:
        raise YamlProblems(builder.issues)
    return Document(source, data, builder.positions)


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); a cluster-config is a UTF-8 YAML file"
        raise YamlProblems([Issue(source, line, col, (), msg)]) from None


class _Builder:
    """Turns a composed node graph into plain data, recording positions and problems."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.positions: dict[Path, Position] = {}
        self.issues: list[Issue] = []
        self.budget = MAX_NODES
        self.constructor = SafeConstructor()

    def _problem(self, node: yaml.Node, path: Path, message: str) -> None:
        mark = node.start_mark
        self.issues.append(Issue(self.source, mark.line + 1, mark.column + 1, path, message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self._problem(node, path, f"the document expands to more than {MAX_NODES} nodes "
                              "(an alias bomb?)")
            return None
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag in _TEXT_TAGS:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            self._problem(node, path, f"unsupported YAML tag {node.tag!r}")
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            self._problem(node, path, f"cannot read value {node.value!r}: {exc}")
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        merged: list[tuple[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a mapping key must be a plain string")
                continue
            key = str(key_node.value)
            if key in seen:
                first = seen[key].start_mark.line + 1
                self._problem(key_node, (*path, key), f"duplicate key {key!r} (first defined on "
                              f"line {first})")
                continue
            seen[key] = key_node
            # Locate a key's problems at the key itself, where users look for them.
            mark = key_node.start_mark
            self.positions.setdefault((*path, key), (mark.line + 1, mark.column + 1))
            out[key] = self.build(value_node, (*path, key))
        for key, value in merged:
            out.setdefault(key, value)
        return out

    def _merge_sources(self, node: yaml.Node, path: Path) -> Iterator[tuple[str, Any]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self._problem(source, path, "'<<' must merge a mapping or a list of mappings")
                continue
            yield from self._mapping(source, path).items()


# ----------------------------------------------------------------------------------------------
# Writing

def dump(data: Any, *, sort_keys: bool = True) -> str:
    """Serialize ``data`` as one block-style YAML document, keys sorted unless told otherwise.

    Files meant for people to edit, such as an imported cluster-config, keep their natural
    order; Kubernetes objects use :func:`dump_manifests`.
    """
    # The writer is imported on first use: reading commands (validate) never write YAML, and
    # its patterns take milliseconds to compile.
    from fabgitops.yamlemit import emit

    return emit(data, sort_keys=sort_keys)


def dump_manifests(documents: Iterable[Any]) -> str:
    """Kubernetes objects as YAML documents separated by ``---``, in the given order, each with
    its keys in the customary order (``apiVersion``, ``kind``, ``metadata`` first)."""
    from fabgitops.yamlemit import emit_manifest

    return "---\n".join(emit_manifest(doc) for doc in documents)


def load_plain(text: str) -> Any:
    """Load trusted YAML (our own output, a package file) without position tracking."""
    return yaml.load(text, Loader=yaml.CSafeLoader)
