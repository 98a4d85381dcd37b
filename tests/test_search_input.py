"""Hostile or careless input gets a clear answer or a clear refusal, never a traceback."""

from __future__ import annotations

import pytest

from knowledge.errors import InvalidQuestion
from knowledge.library import Library
from knowledge.search import MAX_QUESTION_CHARS


@pytest.mark.parametrize(
    "question",
    [
        '"',
        '"unbalanced quote',
        "*",
        "istio*",
        "NEAR(",
        "NEAR(istio linkerd, 2)",
        "istio OR",
        "OR AND NOT",
        "((mtls",
        "mtls))",
        "'; DROP TABLE entries; --",
        "title:istio",
        "^istio",
        "istio + linkerd - envoy",
        "{}[]<>",
    ],
)
def test_fts_and_sql_syntax_is_searched_as_plain_text(library: Library, question: str) -> None:
    answer = library.searcher.search(question)
    assert answer.question
    assert answer.answered or answer.suggestions


def test_fts_operators_in_a_real_question_still_find_the_answer(library: Library) -> None:
    answer = library.searcher.search('"STRICT" mtls AND probes OR NEAR( kubelet')
    assert answer.answered
    assert answer.results[0].id == "MESH-P002"


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_refused_with_a_reason(library: Library, question: str) -> None:
    with pytest.raises(InvalidQuestion, match="empty"):
        library.searcher.search(question)


@pytest.mark.parametrize("question", ["\x00\x01\x02", "\u200b\u200b", "\ufeff"])
def test_invisible_junk_gets_no_answer_but_the_main_topics(library: Library, question: str) -> None:
    answer = library.searcher.search(question)
    assert not answer.answered
    assert answer.suggestions


def test_overlong_question_is_refused_with_the_limit(library: Library) -> None:
    with pytest.raises(InvalidQuestion, match=str(MAX_QUESTION_CHARS)):
        library.searcher.search("istio " * 2000)


def test_binary_junk_gets_no_answer_but_suggestions(library: Library) -> None:
    junk = bytes(range(256)).decode("latin-1") + "\udcff\ud800"
    answer = library.searcher.search(junk)
    assert not answer.answered
    assert answer.suggestions


def test_pitfall_search_can_be_narrowed_to_runbooks(library: Library) -> None:
    answer = library.searcher.search("certificate", kinds=frozenset({"pitfall"}))
    assert answer.answered
    assert {hit.kind for hit in answer.results} == {"pitfall"}


def test_a_code_typed_as_such_wins_outright(library: Library) -> None:
    answer = library.searcher.search("mesh-p004")
    assert answer.results[0].id == "MESH-P004"
    assert answer.results[0].score == 1.0
