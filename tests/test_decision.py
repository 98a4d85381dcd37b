"""The decision follows the article's sequence, asks only what can change the verdict, and
explains every step with the knowledge entry it rests on."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.adr import render_adr
from engine.answers import Question, Value
from engine.decision import (
    PLANE_FACTS,
    PLANE_TABLE,
    DecisionRules,
    Verdict,
    assess,
    next_step,
    relevant_answers,
)
from engine.questions import BY_ID, QUESTIONS
from knowledge.library import Library

MESH_TEAM: dict[str, Value] = {
    "services": 50,
    "teams": 8,
    "compliance": True,
    "languages": ["go", "java", "python"],
    "canary_everywhere": False,
    "motivation": "pain-now",
    "deploy_together": False,
    "latency_slo_ms": None,
    "platform_capacity": False,
    "main_concern": "simplicity",
    "istio_features": [],
    "pods": 400,
}


@pytest.fixture(scope="module")
def rules(library: Library) -> DecisionRules:
    return library.rules


def _walk(answers: dict[str, Value], rules: DecisionRules) -> tuple[list[str], Verdict]:
    """Answer every question asked from ``answers``; return the ids asked and the verdict."""
    asked: list[str] = []
    given_so_far: dict[str, Value] = {}
    while True:
        step = next_step(given_so_far, rules)
        if isinstance(step, Verdict):
            return asked, step
        asked.append(step.id)
        given_so_far[step.id] = answers.get(step.id)


def test_the_first_question_counts_services(rules: DecisionRules) -> None:
    step = next_step({}, rules)
    assert isinstance(step, Question)
    assert (step.id, step.step, step.type) == ("services", 1, "integer")


def test_step_one_stops_a_small_single_team_fleet(rules: DecisionRules) -> None:
    step = next_step({"services": 8, "teams": 1}, rules)
    assert isinstance(step, Verdict)
    assert (step.verdict, step.stopped_at_step, step.plane) == ("no-mesh", 1, None)
    assert "anti.small-single-team" in step.anti_patterns


def test_a_mesh_team_is_asked_the_whole_sequence_and_gets_a_plane(rules: DecisionRules) -> None:
    asked, verdict = _walk(MESH_TEAM, rules)
    assert asked[:4] == ["services", "teams", "compliance", "languages"]
    assert verdict.verdict == "mesh"
    assert verdict.plane == "linkerd"
    assert verdict.criteria_count == 3
    assert verdict.pitfalls and verdict.first_steps
    assert verdict.estimate is not None
    assert verdict.estimate.planes[0].plane == "linkerd"


def test_no_plane_questions_once_the_verdict_is_no_mesh(rules: DecisionRules) -> None:
    answers = {**MESH_TEAM, "compliance": False, "languages": ["go"]}
    asked, verdict = _walk(answers, rules)
    assert verdict.verdict == "no-mesh"
    assert not {"platform_capacity", "main_concern", "kernel", "pods"} & set(asked)


def test_kernel_is_asked_only_when_cilium_is_a_candidate(rules: DecisionRules) -> None:
    asked, _ = _walk(MESH_TEAM, rules)
    assert "kernel" not in asked
    overhead = {
        **MESH_TEAM,
        "main_concern": "sidecar-overhead",
        "kernel": "4.19.0",
        "windows_nodes": False,
    }
    asked, verdict = _walk(overhead, rules)
    assert "kernel" in asked
    assert "windows_nodes" not in asked  # the kernel already rules Cilium out
    assert verdict.plane == "istio-ambient"
    assert any(r.entry == "thr.cilium-kernel" for r in verdict.reasons)


def test_a_new_enough_kernel_without_windows_nodes_gets_cilium(rules: DecisionRules) -> None:
    answers = {
        **MESH_TEAM,
        "main_concern": "sidecar-overhead",
        "kernel": "5.15.0-1051-aws",
        "windows_nodes": False,
    }
    asked, verdict = _walk(answers, rules)
    # With a pod count, the cost table asks for traffic and call depth instead of assuming them.
    assert asked[-5:] == ["kernel", "windows_nodes", "pods", "rps_per_pod", "call_depth"]
    assert verdict.plane == "cilium"
    assert verdict.pitfalls == []  # none of the article's five pitfalls is Cilium's


def test_changing_an_answer_recomputes_and_drops_what_became_moot(rules: DecisionRules) -> None:
    first = assess(MESH_TEAM, rules)
    changed = {**MESH_TEAM, "services": 9, "teams": 1}
    second = assess(changed, rules)
    assert (first.verdict, second.verdict) == ("mesh", "no-mesh")
    assert set(relevant_answers(changed, rules)) == {"services", "teams"}


def test_every_question_is_reachable(rules: DecisionRules) -> None:
    seen: set[str] = set()
    concerns = ["simplicity", "sidecar-overhead", "features"]
    for concern, capacity in itertools.product(concerns, [True, False]):
        answers = {**MESH_TEAM, "main_concern": concern, "platform_capacity": capacity}
        answers |= {"kernel": "6.1", "windows_nodes": False, "istio_features": []}
        seen |= set(_walk(answers, rules)[0])
    tight = {**MESH_TEAM, "latency_slo_ms": 5, "latency_measured": True, "pods": 200}
    seen |= set(_walk(tight, rules)[0])
    assert seen == {q.id for q in QUESTIONS}


_ANSWER_VALUES: dict[str, list[Value]] = {
    "services": [5, 14, 15, 17, 20, 40, 200],
    "teams": [1, 2, 4, 9],
    "compliance": [True, False],
    "languages": [["go"], ["go", "java"], ["go", "java", "python"]],
    "canary_everywhere": [True, False],
    "motivation": ["pain-now", "be-ready"],
    "deploy_together": [True, False],
    "latency_slo_ms": [None, 5, 200],
    "platform_capacity": [True, False],
    "main_concern": ["simplicity", "sidecar-overhead", "features"],
    "istio_features": [[], ["jwt-request-authentication"]],
    "kernel": ["4.19.0", "5.10.0", "6.8.0"],
    "windows_nodes": [True, False],
    "pods": [None, 30, 5000],
    "latency_measured": [None, True, False],
    "rps_per_pod": [None, 5, 2000],
    "call_depth": [None, 1, 12],
}
ANSWER_SETS = st.fixed_dictionaries(
    {}, optional={k: st.sampled_from(v) for k, v in _ANSWER_VALUES.items()}
)


@settings(max_examples=150, deadline=None)
@given(answers=ANSWER_SETS, seed=st.randoms())
def test_the_verdict_does_not_depend_on_the_order_of_answers(
    rules: DecisionRules, answers: dict[str, Value], seed: object
) -> None:
    items = list(answers.items())
    seed.shuffle(items)  # type: ignore[attr-defined]
    assert assess(dict(items), rules) == assess(answers, rules)


@settings(max_examples=150, deadline=None)
@given(answers=ANSWER_SETS)
def test_every_reason_cites_an_existing_entry_and_its_sources(
    library: Library, answers: dict[str, Value]
) -> None:
    verdict = assess(answers, library.rules)
    cited = [*verdict.reasons, *(a.reason for a in verdict.alternatives)]
    assert cited
    for reason in cited:
        located = library.kb.get(reason.entry)
        assert located is not None, reason.entry
        assert reason.sources == list(located.model.sources)
    for code in verdict.pitfalls:
        assert library.kb.get(code) is not None


def test_the_decision_record_has_every_section(rules: DecisionRules) -> None:
    verdict = assess(MESH_TEAM, rules)
    record = render_adr(verdict, MESH_TEAM, rules, dt.date(2026, 11, 29))
    assert record.startswith("# Adopt a service mesh: Linkerd")
    for section in (
        "## Context",
        "## Decision",
        "## Consequences",
        "## Alternatives considered",
        "## Costs",
        "## Reasons and sources",
    ):
        assert section in record
    assert "Do you actually need a service mesh?" in record
    assert "MESH-P005" in record


def test_the_plane_table_decides_every_combination_of_its_conditions() -> None:
    for overhead, istio, blocked, small, sidecar in itertools.product((False, True), repeat=5):
        facts = (overhead, istio, blocked, small, sidecar)
        assert any(row.matches(facts) for row in PLANE_TABLE), facts


def test_every_reason_in_the_plane_table_is_an_entry_the_engine_declares() -> None:
    for row in PLANE_TABLE:
        entries = [*(entry for _, entry in row.reasons), *(e for _, _, e in row.alternatives)]
        assert all(e is None or e in PLANE_FACTS for e in entries), row.plane


def test_istio_features_without_multi_cluster_get_ambient_as_istio_advises(
    rules: DecisionRules,
) -> None:
    answers = {**MESH_TEAM, "platform_capacity": True, "main_concern": "features"}
    answers["istio_features"] = ["jwt-request-authentication", "external-authorization"]
    verdict = assess(answers, rules)
    assert verdict.plane == "istio-ambient"
    assert "fact.istio-recommends-ambient" in {r.entry for r in verdict.reasons}
    federated = assess({**answers, "istio_features": ["multi-cluster-federation"]}, rules)
    assert federated.plane == "istio-sidecar"
    assert [a.plane for a in federated.alternatives] == ["istio-ambient"]


def test_an_unmeasured_single_digit_ms_slo_means_no_mesh_until_measured(
    rules: DecisionRules,
) -> None:
    tight = {**MESH_TEAM, "latency_slo_ms": 5}
    verdict = assess(tight, rules)
    assert verdict.verdict == "no-mesh"
    assert any("no mesh unless you measure" in r.text for r in verdict.reasons)
    question = next_step(tight, rules)
    assert isinstance(question, Question) and question.id == "latency_measured"
    assert assess({**tight, "latency_measured": True}, rules).verdict == "mesh"


def test_a_kernel_past_end_of_life_is_flagged_whatever_the_verdict(rules: DecisionRules) -> None:
    verdict = assess({**MESH_TEAM, "main_concern": "sidecar-overhead", "kernel": "4.19.0"}, rules)
    assert any(
        "Kernel 4.19 is past upstream end of life (support ended 2024-12-05)" in r.text
        for r in verdict.reasons
    )
    current = assess({**MESH_TEAM, "main_concern": "sidecar-overhead", "kernel": "6.12.1"}, rules)
    assert not any("end of life" in r.text for r in current.reasons)


def test_ambient_first_steps_name_ambients_own_pitfalls(rules: DecisionRules) -> None:
    verdict = assess({**MESH_TEAM, "platform_capacity": True, "main_concern": "features"}, rules)
    assert verdict.plane == "istio-ambient"
    steps = " ".join(verdict.first_steps)
    assert "169.254.7.127" in steps and "ztunnel" in steps and "Fargate" in steps


@pytest.mark.parametrize(
    ("reply", "value"),
    [("none", False), ("PCI-DSS", True), ("we are audited for HIPAA", True), ("no", False)],
)
def test_a_named_regulation_or_none_answers_the_compliance_question(
    reply: str, value: bool
) -> None:
    assert BY_ID["compliance"].parse(reply) is value


def test_the_cost_table_uses_the_traffic_and_call_depth_given(rules: DecisionRules) -> None:
    verdict = assess({**MESH_TEAM, "rps_per_pod": 50, "call_depth": 6}, rules)
    assert verdict.estimate is not None
    assert verdict.estimate.rps_per_pod == 50
    assert verdict.estimate.inputs.hops == 6
    assumed = assess(MESH_TEAM, rules).estimate
    assert assumed is not None and any("assumed" in a for a in assumed.assumptions)


def test_every_questions_own_example_is_a_readable_answer() -> None:
    for question in QUESTIONS:
        question.parse(question.example)


def test_the_bench_walks_a_whole_decision_with_the_answers_it_holds(
    rules: DecisionRules,
) -> None:
    """`make bench` is not run by CI; this keeps its decision walk in step with the questions."""
    from tests.bench.engine import _full_decision

    assert isinstance(_full_decision(rules), Verdict)
