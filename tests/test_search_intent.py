"""The search reads what a question wants: a comparison, a computed fleet figure, one runbook
for a specific error and a listing for a generic one, and says first what to do."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from knowledge.embeddings import MAX_TOKENS, Embedder, packaged_pieces, tokenizer_file
from knowledge.library import Library
from tests.support.evaluation import QUESTIONS_FILE, TUNING_FILE, load_cases


def test_a_generic_envoy_error_lists_every_runbook_it_could_mean_and_none_confidently(
    library: Library,
) -> None:
    answer = library.searcher.search("upstream connect error or disconnect/reset before headers")
    assert answer.ambiguous and not answer.confident
    assert {h.id for h in answer.results} == {"MESH-P002", "MESH-P005"}
    assert "check which one applies" in answer.summary


def test_a_signal_only_one_runbook_lists_picks_that_runbook(library: Library) -> None:
    answer = library.searcher.search("pods stuck in Init:CrashLoopBackOff after enabling istio")
    assert not answer.ambiguous
    assert answer.results[0].id == "MESH-P003"


def test_a_runbook_answer_starts_with_the_mitigation_to_apply_now(library: Library) -> None:
    answer = library.searcher.search("all pods 1/2 ready after we turned on strict mtls")
    assert answer.results[0].id == "MESH-P002"
    assert "Apply now:" in answer.summary
    assert "PERMISSIVE" in answer.summary


def test_fleet_numbers_are_computed_by_the_engine_with_their_basis(library: Library) -> None:
    answer = library.searcher.search("how much CPU would 200 sidecars need at 1k rps each")
    assert "40.0 vCPU" in answer.summary
    assert "0.2 vCPU per 1,000 req/s (" in answer.summary  # the figure and whose it is
    assert answer.results[0].id == "istio-sidecar"


def test_a_comparison_question_is_answered_by_a_comparison_table(library: Library) -> None:
    answer = library.searcher.search("is linkerd lighter than istio")
    assert answer.results[0].kind == "comparison"


def test_results_are_sorted_by_the_confidence_they_show(library: Library) -> None:
    questions = ("istio vs linkerd", "sidecar memory", "ambient ga", "istio 1.20 ambient ga")
    for question in questions:
        scores = [h.score for h in library.searcher.search(question, limit=5).results]
        assert scores == sorted(scores, reverse=True)


def test_a_mesh_question_outside_the_knowledge_base_points_at_the_product_docs_search(
    library: Library,
) -> None:
    answer = library.searcher.search("how to enable hubble ui in cilium")
    assert not answer.answered
    assert "I don't know" in answer.summary
    assert "https://docs.cilium.io/en/stable/search.html?q=" in answer.summary
    assert answer.suggestions


def test_an_off_topic_question_gets_no_documentation_pointer(library: Library) -> None:
    answer = library.searcher.search("best pizza place near the office")
    assert not answer.answered
    assert "http" not in answer.summary


def test_the_packaged_model_places_a_paraphrase_nearer_than_an_unrelated_text() -> None:
    model = Embedder(packaged_pieces())
    question = model.embed("is linkerd lighter than istio")
    paraphrase = model.embed("linkerd uses less memory than istio")
    unrelated = model.embed("the certificate has expired")
    assert float(np.dot(question, paraphrase)) > float(np.dot(question, unrelated)) + 0.3


def test_our_tokenizer_gives_the_packaged_tokenizers_ids_on_every_passage_and_question(
    library: Library,
) -> None:
    from tokenizers import Tokenizer  # installed with wordllama; the service never imports it

    reference = Tokenizer.from_file(str(tokenizer_file()))
    ours = Embedder(packaged_pieces())
    db = sqlite3.connect(library.index_path)
    texts = [passage for (passage,) in db.execute("select passage from passages")]
    texts += [case.question for path in (QUESTIONS_FILE, TUNING_FILE) for case in load_cases(path)]
    differ = [
        text
        for text in texts
        if ours.token_ids(text)
        != reference.encode(" ".join(text.lower().split()), add_special_tokens=False).ids[
            :MAX_TOKENS
        ]
    ]
    assert not differ


def test_the_index_stores_a_vector_per_passage_and_names_its_model(library: Library) -> None:
    db = sqlite3.connect(library.index_path)
    model = db.execute("select value from meta where key = 'embedder'").fetchone()[0]
    entries = db.execute("select count(distinct entry) from passages").fetchone()[0]
    assert model == "wordllama/l2_supercat_256"
    assert entries == library.searcher.size


def test_a_generic_error_is_shown_as_a_choice_of_runbooks_in_the_cli_and_slack(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.search import _print_answer
    from bot.slack.messages import answer as slack_answer

    answer = library.searcher.search("upstream connect error or disconnect/reset before headers")
    _print_answer(answer, library.kb)
    printed = capsys.readouterr().out
    assert "meshbot pitfall MESH-P002" in printed and "meshbot pitfall MESH-P005" in printed
    assert "**Fix**" not in printed  # no runbook is printed as if it were the answer
    message = json.dumps(slack_answer(answer, "<@U1>").payload())
    assert "MESH-P002" in message and "MESH-P005" in message
    assert "PERMISSIVE" not in message
