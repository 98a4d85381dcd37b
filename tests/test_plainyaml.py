"""Plain YAML built from libyaml's events is exactly what PyYAML's safe loader builds, on
real manifests, on YAML 1.1's odd scalars and on generated documents; anything beyond plain
data is left to PyYAML, and a broken stream fails where composing it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import plainyaml
from knowledge.scanner.resources import documents
from knowledge.yamlfile import Loader

REAL = Path(__file__).parent / "scan_corpus" / "real"


def _composed(text: str) -> tuple[list[tuple[int, Any]], str | None]:
    """What PyYAML's composer and constructor make of ``text``, document by document."""
    loader = Loader(text)
    built: list[tuple[int, Any]] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            assert node is not None
            built.append((node.start_mark.line, loader.construct_document(node)))
    except (yaml.YAMLError, ValueError) as error:
        return built, str(error)
    finally:
        loader.dispose()
    return built, None


def _plain(text: str) -> tuple[list[tuple[int, Any]], str | None]:
    built, error = plainyaml.documents(text)
    return built, None if error is None else str(error)


def test_every_document_of_the_real_corpus_is_built_as_the_safe_loader_builds_it() -> None:
    chunks = [
        chunk
        for path in sorted(REAL.rglob("*.y*ml"))
        for _, chunk in documents(path.read_text(encoding="utf-8"))
    ]
    plain = 0
    for chunk in chunks:
        try:
            built = _plain(chunk)
        except plainyaml.Unusual:
            continue
        plain += 1
        assert built == _composed(chunk)
    assert plain > 0.95 * len(chunks) > 2000


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: off\nc: ~\nd: 0o17\ne: 0755\nf: 1_000\ng: 1:20\nh: .inf\ni: -.NaN\n",
        "d: 2002-12-14\nt: 2001-12-14t21:59:43.10-05:00\nv: '2002-12-14'\nn: null\ns: ''\n",
        'q: "tab\\there \\u00e9"\nfolded: >-\n  one\n  two\n\nliteral: |+\n  keep\n\n',
        "flow: {a: [1, 2, {b: c}], 'd': \"e\"}\nempty: []\nnone: {}\nk: ! 12\n",
        "# only a comment\n",
        "",
        "%YAML 1.1\n---\na: 1\n...\n---\n- b\n- - c\n...\n",
        "dup: 1\ndup: 2\n3: three\ntrue: t\n",
        "plain scalar at the root\n",
        "a:\n  - b: [x, {y: z}]\n    c: |\n      text\n",
    ],
)
def test_yaml_11_scalars_and_layouts_are_built_as_the_safe_loader_builds_them(text: str) -> None:
    assert _plain(text) == _composed(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: *x\n",
        "a: !!str 12\n",
        "a: !custom x\n",
        "base: {a: 1}\nm:\n  <<: {b: 2}\n",
        "=: value key\n",
        "? [a, b]\n: c\n",
        "? {a: b}\n: c\n",
    ],
)
def test_anything_beyond_plain_data_is_left_to_pyyaml(text: str) -> None:
    with pytest.raises(plainyaml.Unusual):
        plainyaml.documents(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",
        "a: b\n c: d\n: e\n",
        "ok: 1\n---\nbad: [\n",
        "a: 'open\n",
        "[" * 1200 + "]" * 1200,
        "ok: 1\n---\nwhen: 2002-13-45\n",
        "n: 0x_\n",
    ],
)
def test_a_broken_stream_fails_where_composing_it_fails_after_the_same_documents(
    text: str,
) -> None:
    built, error = _plain(text)
    assert error is not None
    assert (built, error) == _composed(text)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["yes", "No", "on", "0755", "0x1f", "1:30", "~", "2024-01-15", "-", "?"])
)


@settings(max_examples=200, deadline=None)
@given(
    data=st.recursive(
        _SCALARS,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4)
        ),
        max_leaves=25,
    ),
    flow=st.booleans(),
)
def test_any_dumped_data_is_built_as_the_safe_loader_builds_it(data: Any, flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    try:
        built = _plain(text)
    except plainyaml.Unusual:  # a key "<<" or "=", as dumped
        return
    assert built == _composed(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab: -[]{},'\"#&*!|>?\n\t0")), max_size=60))
def test_any_text_is_built_or_refused_as_the_safe_loader_builds_or_refuses_it(
    text: str,
) -> None:
    try:
        built = _plain(text)
    except plainyaml.Unusual:
        return
    assert built == _composed(text)
