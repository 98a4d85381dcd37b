"""Plain YAML data built straight from libyaml's events, without a node tree.

PyYAML's safe loader composes a node tree (a Python object and two marks per value, a Python
callback for every node) and then walks it with a constructor built for every case (aliases to
shared and recursive objects, custom tags, merge keys). Kubernetes manifests are plain data:
strings, a few scalar types, sequences and mappings. For those, ``documents`` builds the same
data from the parser's events in one loop, in about half the time; the first thing beyond plain
data raises ``Unusual``, and the caller reads the text with PyYAML's composer and constructor
instead, which build it as before or raise their own error.

Tags are resolved by the safe loaders' resolver and non-string scalars built by their own
constructors, so values are those of ``yaml.safe_load`` (YAML 1.1: ``yes`` is true, as in the
go-yaml v2 that ``kubectl`` decodes with), not a second reading of the spec.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import yaml

from knowledge.yamlfile import Loader

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
#: Scalar tags the safe loader builds with a constructor of its own (a string is as written).
_SCALARS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp"))


class Unusual(Exception):
    """Input beyond plain data: an anchor or alias, an explicit tag, a merge (``<<``) or value
    (``=``) key, a key that is not a scalar."""


def documents(text: str) -> tuple[list[tuple[int, Any]], yaml.YAMLError | ValueError | None]:
    """Each document of ``text`` as (the line, from 0, its root starts on; its data), as
    ``yaml.safe_load_all`` builds it, and the error that ended the stream early, if one did (the
    documents before it are kept, as a composer reading them one by one would): a YAML error, or
    the ``ValueError`` of a value the safe loader resolves but cannot build (``2002-13-45`` is a
    timestamp with a 13th month, ``0x_`` a hexadecimal integer with no digit).

    Raises ``Unusual`` at the first thing beyond plain data. libyaml bounds nesting (1,000
    deep), and the loop below does not recurse."""
    loader = Loader(text)
    built: list[tuple[int, Any]] = []
    try:
        loader.get_event()  # stream start
        while not loader.check_event(yaml.StreamEndEvent):
            loader.get_event()  # document start
            document = _document(loader)
            loader.get_event()  # document end: a composer fails here before returning the node
            built.append(document)
    except (yaml.YAMLError, ValueError) as error:
        return built, error
    finally:
        loader.dispose()
    return built, None


#: In an open mapping, no key is waiting for its value.
_NO_KEY = object()


def _document(loader: Any) -> tuple[int, Any]:
    """The next document's line and data. Events are told apart by their exact class (libyaml's
    parser makes no subclasses): ``isinstance`` chains were a tenth of the time."""
    start = loader.peek_event().start_mark.line
    open_: list[list[Any]] = []  # each open collection, and for a mapping the key waiting
    while True:
        event = loader.get_event()
        kind = event.__class__
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            closed = open_.pop()[0]
            if not open_:
                return start, closed
            continue
        value = _scalar(event) if kind is yaml.ScalarEvent else _collection(event)
        if open_:
            parent = open_[-1]
            if parent[0].__class__ is list:
                parent[0].append(value)
            elif parent[1] is not _NO_KEY:
                parent[0][parent[1]] = value
                parent[1] = _NO_KEY
            elif kind is yaml.ScalarEvent:
                parent[1] = value
            else:
                raise Unusual  # a collection as a key: unhashable, PyYAML raises its error
        elif kind is yaml.ScalarEvent:
            return start, value
        if kind is not yaml.ScalarEvent:
            open_.append([value, _NO_KEY])


def _collection(event: yaml.Event) -> dict[Any, Any] | list[Any]:
    """An empty mapping or sequence for a collection's start with no tag (or the non-specific
    ``!``); anything else here is an alias."""
    if (
        not isinstance(event, yaml.CollectionStartEvent)
        or event.anchor is not None
        or event.tag not in (None, "!")
    ):
        raise Unusual
    return {} if isinstance(event, yaml.MappingStartEvent) else []


def _scalar(event: yaml.ScalarEvent) -> Any:
    """A scalar's value, resolved as PyYAML's composer resolves a node with no tag (or ``!``)."""
    if event.anchor is not None or event.tag not in (None, "!"):
        raise Unusual
    if event.implicit[0] and len(event.value) <= _REMEMBERED_CHARS:
        return _plain_scalar(event.value)
    return _built(event.value, _resolve(yaml.ScalarNode, event.value, event.implicit))


#: How the safe loaders resolve a scalar's tag and build its value (``SafeLoader`` and
#: ``CSafeLoader`` share these classes; the resolver's stub leaves the method untyped).
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver().resolve
)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
#: Longest plain scalar whose value is remembered: long texts are rarely repeated.
_REMEMBERED_CHARS = 64


@functools.lru_cache(maxsize=8192)
def _plain_scalar(text: str) -> Any:
    """A short plain scalar's value. It depends on its text alone (the implicit resolvers'
    patterns, then an immutable value), and manifests repeat the same keys and values
    (``name``, ``TCP``, ``true``) thousands of times: resolving each one again was a fifth of a
    scan's time. A value that cannot be built raises each time (exceptions are not cached)."""
    return _built(text, _resolve(yaml.ScalarNode, text, (True, False)))


def _built(text: str, tag: str) -> Any:
    if tag == _STR:
        return text
    if tag not in _SCALARS:  # merge and value keys
        raise Unusual
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
