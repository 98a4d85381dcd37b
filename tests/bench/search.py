"""Search speed and accuracy: meshbot's search against plain FTS5 BM25 on the same questions,
and how search time grows with the size of the knowledge base."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from knowledge.base import load
from knowledge.errors import KnowledgeError
from knowledge.index import build_index, words
from knowledge.library import Library, open_library
from knowledge.ranking import packaged_ranker
from knowledge.search import STOP_WORDS
from tests.bench.stats import Figure, over_runs, percentile, timed_ms, with_baseline
from tests.support.evaluation import (
    CALIBRATION_FILES,
    CHECK_FILE,
    HELD_OUT_FILES,
    QUESTIONS_FILE,
    REPORTS_FILE,
    SECOND_ANNOTATORS,
    TUNING_FILE,
    Case,
    Reply,
    annotator,
    load_cases,
    precision_above,
    score,
    threshold_for,
)

RUNS = 5
SIZES = (100, 1_000, 10_000)


def _latencies(search: Callable[[str], object], questions: list[str]) -> list[float]:
    samples = []
    for question in questions:
        try:
            samples.append(timed_ms(lambda q=question: search(q)))  # type: ignore[misc]
        except KnowledgeError:
            continue
    return samples


def _bm25_only(index: Path) -> Callable[[str], list[str]]:
    """The baseline: the question's words OR-ed into one FTS5 query, BM25 order, top three."""
    db = sqlite3.connect(index)

    def ranked(question: str) -> list[str]:
        terms = [w for w in words(question) if w not in STOP_WORDS]
        if not terms:
            return []
        query = " OR ".join(f'"{t}"' for t in terms)
        rows = db.execute(
            "select e.id from entries_fts f join entries e on e.rowid = f.rowid "
            "where entries_fts match ? order by bm25(entries_fts) limit 3",
            (query,),
        ).fetchall()
        return [row[0] for row in rows]

    return ranked


def _p50_p99(name: str, search: Callable[[str], object], questions: list[str]) -> list[Figure]:
    p50s, p99s = [], []
    for _ in range(RUNS):
        samples = _latencies(search, questions)
        p50s.append(percentile(samples, 50))
        p99s.append(percentile(samples, 99))
    return [over_runs(f"{name} p50", "ms", p50s), over_runs(f"{name} p99", "ms", p99s)]


def _synthetic(library: Library, size: int, workdir: Path) -> Library:
    """A knowledge base of ``size`` entries: the real ones plus facts of random indexed words."""
    rng = random.Random(size)
    vocabulary = sorted(_index_words(library))
    directory = workdir / f"synthetic-{size}"
    directory.mkdir()
    extra = max(0, size - len(library.kb.entries))
    lines = []
    for n in range(extra):
        title = " ".join(rng.choices(vocabulary, k=5))
        claim = " ".join(rng.choices(vocabulary, k=30))
        lines.append(
            f"- id: fact.synthetic-{n}\n  topic: synthetic\n  title: {title!r}\n"
            f"  claim: {claim!r}\n  sources: [article]\n  reviewed: 2026-12-01\n"
        )
    (directory / "facts.yaml").write_text("".join(lines))
    return open_library(workdir / f"synthetic-{size}.sqlite", [directory])


def _index_words(library: Library) -> set[str]:
    db = sqlite3.connect(library.index_path)
    return {row[0] for row in db.execute("select word from words where length(word) > 3")}


def run() -> tuple[list[Figure], dict[str, float]]:
    cases: list[Case] = load_cases()
    questions = [case.question for case in cases]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        library = open_library(workdir / "kb.sqlite")
        baseline = _bm25_only(library.index_path)

        ours = _p50_p99("search (meshbot)", library.searcher.search, questions)
        fts = _p50_p99("search (FTS5 BM25 only)", baseline, questions)
        figures += [with_baseline(o, f) for o, f in zip(ours, fts, strict=True)] + fts

        target = workdir / "build.sqlite"
        builds = [timed_ms(lambda: build_index(load(), target)) for _ in range(RUNS)]
        figures.append(over_runs("kb load + build, in-process", "ms", builds))
        command = [sys.executable, "-m", "bot.cli", "kb", "build", "--force"]
        env = {**os.environ, "MESHBOT_INDEX_PATH": str(target)}
        runs = [
            timed_ms(lambda: subprocess.run(command, env=env, check=True, capture_output=True))
            for _ in range(RUNS)
        ]
        figures.append(over_runs("meshbot kb build --force, whole process", "ms", runs))

        growth: list[Figure] = []
        for size in SIZES:
            synthetic = _synthetic(library, size, workdir)
            growth += _p50_p99(
                f"search, {synthetic.searcher.size} entries", synthetic.searcher.search, questions
            )
        smallest = growth[1]
        figures += [with_baseline(f, smallest) if "p99" in f.name else f for f in growth]

        accuracy: dict[str, float] = {}
        sets = [
            ("tuning: questions.yaml", QUESTIONS_FILE),
            ("tuning: reports.yaml", REPORTS_FILE),
            ("tuning: tuning.yaml", TUNING_FILE),
            *((f"held out: {path.name}", path) for path in HELD_OUT_FILES),
        ]
        for name, path in sets:
            if not path.exists():
                continue
            subset = load_cases(path)
            searchers: list[tuple[str, Callable[[str], Reply | list[str]]]] = [
                ("meshbot", lambda q: _reply(library, q)),
                ("BM25", baseline),
            ]
            searchers += [
                (f"second annotator {labels.stem.rsplit('.', 1)[-1].upper()}", annotator(labels))
                for labels in SECOND_ANNOTATORS.get(path, ())
            ]
            for who, answer in searchers:
                result = score(subset, answer)
                accuracy |= {
                    f"{name} ({len(subset)}): {who} top-1": result.top1,
                    f"{name} ({len(subset)}): {who} top-3": result.top3,
                    f"{name} ({len(subset)}): {who} confidently wrong": result.wrong,
                    f"{name} ({len(subset)}): {who} off-topic/uncovered declined": result.declined,
                }
        accuracy |= _calibration(library)
    return figures, accuracy


def _reply(library: Library, question: str) -> Reply:
    """meshbot's top three, confident unless it said "Probably" or listed possible runbooks."""
    answer = library.searcher.search(question, limit=3)
    return Reply([hit.id for hit in answer.results], answer.confident and not answer.ambiguous)


def _graded(library: Library, cases: list[Case]) -> list[tuple[float, bool]]:
    graded = []
    for case in cases:
        answer = library.searcher.search(case.question, limit=1, min_confidence=0.0)
        if answer.ambiguous:
            continue
        first = answer.results[0] if answer.results else None
        graded.append((first.score, first.id in case.expect) if first else (0.0, False))
    return graded


def _calibration(library: Library) -> dict[str, float]:
    """The confidence thresholds the trainer chose on the calibration sets (98% right above the
    confident one), recomputed here, and checked on another set."""
    ranker = packaged_ranker()
    cases = [case for path in CALIBRATION_FILES for case in load_cases(path)]
    calibration = _graded(library, cases)
    check = _graded(library, load_cases(CHECK_FILE))
    off_topic = [conf for conf, _ in _graded(library, [c for c in cases if c.off_topic])]
    confident = ranker.confident_threshold
    precision_cal, n_cal = precision_above(calibration, confident)
    precision_check, n_check = precision_above(check, confident)
    declined = sum(conf < ranker.answer_threshold for conf in off_topic) / (len(off_topic) or 1)
    return {
        "confidence threshold (confident answers)": confident,
        "confidence threshold for 98% right, recomputed on calibration sets": threshold_for(
            calibration
        ),
        f"calibration sets: right above the threshold ({n_cal} answers)": precision_cal,
        f"check set: right above the threshold ({n_check} answers)": precision_check,
        "confidence threshold (answer at all)": ranker.answer_threshold,
        "calibration sets: off-topic and uncovered declined": declined,
    }
