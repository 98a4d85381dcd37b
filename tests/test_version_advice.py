"""Answers say which releases they hold for when the question names one."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from knowledge.library import Library
from knowledge.search import Answer, Hit
from knowledge.version_advice import Mention, VersionAdvisor, mentions


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("we're on 1.22 and probes fail", [Mention("istio", "1.22")]),
        ("k8s 1.30 init containers", [Mention("kubernetes", "1.30")]),
        ("Kubernetes v1.33.2 native sidecars", [Mention("kubernetes", "1.33")]),
        ("linkerd 2.15 trust anchor", [Mention("linkerd", "2.15")]),
        ("on linkerd, after upgrading to 2.19", [Mention("linkerd", "2.19")]),
        ("our nodes run kernel 4.19", [Mention("kernel", "4.19")]),
        ("istio 1.24 on k8s 1.31", [Mention("istio", "1.24"), Mention("kubernetes", "1.31")]),
    ],
)
def test_a_question_naming_a_release_is_read_with_its_product(
    question: str, expected: list[Mention]
) -> None:
    assert mentions(question) == expected


@pytest.mark.parametrize(
    "question", ["sidecar adds 0.2 ms", "1.5 GB per node", "200 pods at 1,000 req/s", "p99 2.5ms"]
)
def test_quantities_are_not_mistaken_for_releases(question: str) -> None:
    assert mentions(question) == []


def test_the_init_container_runbook_differs_between_kubernetes_1_30_and_1_34(
    library: Library,
) -> None:
    old = library.searcher.search("init containers crashloop after injection k8s 1.30")
    new = library.searcher.search("init containers crashloop after injection k8s 1.34")
    assert old.results[0].id == new.results[0].id == "MESH-P003"
    assert "for Kubernetes 1.30: Kubernetes 1.29 to 1.32" in old.results[0].answer
    assert "set the nativeSidecar annotation" in old.results[0].answer
    assert "for Kubernetes 1.34: Kubernetes 1.33 and later" in new.results[0].answer
    assert "picks native sidecars by itself" in new.results[0].answer
    assert old.results[0].answer != new.results[0].answer


def test_a_runbook_that_needs_a_newer_release_says_so_and_gives_the_older_api(
    library: Library,
) -> None:
    answer = library.searcher.search("strict mtls probes fail we're on istio 1.21")
    text = "\n".join(hit.answer for hit in answer.results)
    assert "does not hold for Istio 1.21: it holds for Istio 1.22 and later" in text
    assert "security.istio.io/v1beta1" in text
    assert "Istio 1.21 is past end of life" in text
    current = library.searcher.search("strict mtls probes fail we're on istio 1.31")
    assert "past end of life" not in current.results[0].answer
    assert "does not hold" not in "\n".join(hit.answer for hit in current.results)


def test_entries_that_do_not_hold_for_the_release_named_move_after_those_that_do(
    library: Library,
) -> None:
    advisor = VersionAdvisor(library.kb, today=lambda: dt.date(2026, 12, 1))

    def hit(entry_id: str) -> Hit:
        return Hit(entry_id, "pitfall", entry_id, "text", 0.9, [])

    answer = Answer(
        "q",
        True,
        [hit("MESH-P002"), hit("fact.mesh-definition"), hit("corr.probe-rewrite-mechanism")],
    )
    advised = advisor("strict mtls on istio 1.21", answer)
    assert [h.id for h in advised.results] == [
        "fact.mesh-definition",
        "corr.probe-rewrite-mechanism",
        "MESH-P002",
    ]
    assert advised.results[0].answer.startswith("> **For your version:**")


def test_with_nothing_that_holds_for_the_release_the_best_match_stays_first_with_its_note(
    library: Library,
) -> None:
    """A report from an old release ("istio 1.2.5 … 504 after 15 s") still needs the runbook
    for its symptom; the note says the runbook's advice targets other releases."""
    advisor = VersionAdvisor(library.kb, today=lambda: dt.date(2026, 12, 1))
    answer = Answer("q", True, [Hit("MESH-P002", "pitfall", "P2", "text", 0.9, [])])
    extra = Hit("fact.mesh-definition", "fact", "def", "text", 0.5, [])
    advised = advisor(
        "strict mtls on istio 1.21", replace(answer, results=[*answer.results, extra])
    )
    assert [h.id for h in advised.results] == ["MESH-P002", "fact.mesh-definition"]
    assert "does not hold for Istio 1.21" in advised.results[0].answer


def test_end_of_life_is_judged_on_the_day_asked(library: Library) -> None:
    answer = Answer("q", True, [Hit("fact.mesh-definition", "fact", "t", "text", 0.9, [])])
    before = VersionAdvisor(library.kb, today=lambda: dt.date(2026, 10, 1))
    after = VersionAdvisor(library.kb, today=lambda: dt.date(2026, 12, 1))
    assert before("on k8s 1.34", answer).results[0].answer == "text"
    assert "Kubernetes 1.34 is past end of life on 2026-10-27" in (
        after("on k8s 1.34", answer).results[0].answer
    )


def test_a_question_without_a_release_is_answered_as_before(library: Library) -> None:
    answer = library.searcher.search("init containers crashloop after injection")
    assert "For your version" not in answer.results[0].answer


def test_an_old_kernel_is_called_past_upstream_support_but_not_past_its_distributions(
    library: Library,
) -> None:
    """RHEL 8.10's 4.18 is long past kernel.org's support but fixed by Red Hat, and Cilium
    accepts it: the answer must not read as "unsupported, full stop"."""
    answer = library.searcher.search("can cilium 1.18 run on rhel 8.10 nodes, kernel 4.18?")
    first = answer.results[0]
    assert first.id == "thr.cilium-kernel"
    assert "Linux kernel 4.18 is older than every supported release" in first.answer
    assert "gets fixes from its vendor" in first.answer
    assert "or 4.18 on RHEL 8.10, which Cilium lists as equivalent" in first.answer
