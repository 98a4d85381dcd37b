"""YAML parsing that remembers where each value came from.

pydantic reports errors by path (``3 → fix → 2``); authors need a line number. Composing the
node tree first lets us map any such path back to the line that holds it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import Problem

# libyaml's parser is several times faster and keeps the same marks; PyYAML ships it in its wheels.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ParsedFile:
    """A YAML document's data together with its node tree."""

    def __init__(self, path: Path, data: Any, root: yaml.Node | None, first_line: int = 1) -> None:
        self.path = path
        self.data = data
        #: The file line where ``root``'s text starts: a stream split into documents before
        #: parsing (as kubectl splits it) parses each document on its own, from line 1.
        self.first_line = first_line
        self._root = root
        self._start = root.start_mark.line if root is not None else 0

    @property
    def root(self) -> yaml.Node | None:
        return self._root

    def line_of(self, loc: Sequence[int | str]) -> int:
        """The 1-based line of the deepest node that ``loc`` reaches inside this document.

        A merge key (``<<: *defaults``) copies the anchor's nodes into the mapping, marks and
        all; a node whose text lies outside this document's own lines is such a copy, so the
        line stays on the last node written here instead of jumping into another resource."""
        if not loc:
            return self._start + self.first_line
        node = self.root
        if node is None:
            return self.first_line
        start, end = node.start_mark.line, node.end_mark.line
        for part in loc:
            child = _child(node, part)
            if child is None or not start <= child.start_mark.line <= end:
                break
            node = child
        return node.start_mark.line + self.first_line

    def items(self, key: str) -> list[ParsedFile]:
        """Each item of the list under ``key`` as a document of its own (a List's resources),
        keeping its nodes: the tree is composed once for all of them."""
        root = self.root
        nodes = _child(root, key) if root is not None else None
        return [
            ParsedFile(
                self.path, item, _child(nodes, i) if nodes is not None else None, self.first_line
            )
            for i, item in enumerate(self.data[key])
        ]

    def problem(self, loc: Sequence[int | str], message: str) -> Problem:
        return Problem(self.path, self.line_of(loc), message)


class ParsedText(ParsedFile):
    """A document that keeps its text instead of its node tree, and composes the tree again
    whenever a line inside it is asked for (the root's line, which every resource reports, is
    kept). A scan holds thousands of documents and asks few of them for a line; keeping every
    tree alive made Python's cyclic garbage collector walk millions of nodes at each full
    collection, two thirds of a scan's time. Composing is deterministic: the lines are the same."""

    def __init__(
        self, path: Path, data: Any, start: int, first_line: int, text: str, index: int
    ) -> None:
        """``start``: the line (from 0) the root starts on in ``text``, whose ``index``-th
        document this is."""
        super().__init__(path, data, None, first_line)
        self._start = start
        self._text = text
        self._index = index

    @property
    def root(self) -> yaml.Node | None:
        return _compose(self._text, self._index)


def _child(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        return node.value[part] if 0 <= part < len(node.value) else None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == part:
                return value  # type: ignore[no-any-return]
    return None


@functools.lru_cache(maxsize=1)
def _compose(text: str, index: int) -> yaml.Node | None:
    """The node tree of the ``index``-th document in ``text``. The last one is kept: a check
    yields its findings resource by resource, so a document with many (a Service with hundreds
    of ports) is composed once, not once per finding; one tree kept costs the collector
    nothing."""
    loader = Loader(text)
    try:
        for _ in range(index + 1):
            node = loader.get_node() if loader.check_node() else None
        return node
    finally:
        loader.dispose()


def parse(path: Path) -> ParsedFile | Problem:
    """Parse one file, or say where and why it cannot be parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return Problem(path, 1, f"not UTF-8 text ({error.reason} at byte {error.start})")
    except OSError as error:
        return Problem(path, 1, f"cannot read: {error.strerror}")
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        duplicate = _first_duplicate_key(root)
        if duplicate is not None:
            return Problem(
                path, duplicate.start_mark.line + 1, f"duplicate key {duplicate.value!r}"
            )
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        return Problem(path, line, f"invalid YAML: {error.problem or error.context}")
    finally:
        loader.dispose()
    return ParsedFile(path, data, root)


def _first_duplicate_key(node: yaml.Node | None) -> yaml.Node | None:
    """PyYAML keeps the last of two equal keys without a word; in a runbook that loses a step."""
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            if key.value in seen:
                return key  # type: ignore[no-any-return]
            seen.add(key.value)
            found = _first_duplicate_key(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _first_duplicate_key(item)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class Expansion:
    """What a composed document becomes once its aliases are expanded, measured on the graph."""

    nodes: int  # nodes after expansion: what constructing and printing it would walk
    unique: int  # nodes as written
    aliases: int  # alias uses: edges to a node reached before
    recursive: yaml.Node | None  # a node that contains an alias to itself, if any

    @property
    def alias_nodes(self) -> int:
        """Nodes that exist only because an alias repeats its anchor's value."""
        return self.nodes - self.unique


def expansion(root: yaml.Node) -> Expansion:
    """Size the document after alias expansion without expanding it.

    PyYAML composes ``*a`` as the very node object ``&a`` named, so the document is a graph and
    a billion-laughs chain is a few dozen nodes. Each node's expanded size is computed once
    (memoised by identity, children before parents, without recursion), so this costs time
    linear in the nodes and edges as written, however large the expansion. A node met again
    while still among its own ancestors is a recursive alias.
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:
            open_nodes.discard(key)
            size[key] = 1 + sum([size[id(child)] for child in children])
        elif key in open_nodes:
            return Expansion(len(size), len(size), aliases, recursive=node)
        elif key in size:
            aliases += 1
        else:
            children = _children(node)
            open_nodes.add(key)
            stack.append((node, children))
            stack.extend([(child, None) for child in reversed(children)])
    return Expansion(size[id(root)], len(size), aliases, recursive=None)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
