"""Answering a question from the index, with a confidence that can say "I don't know".

How a question is read:

1. Cleaned (control characters and invisible junk removed) and split into words the way the
   FTS5 index splits them; stop words are dropped.
2. Each remaining word — or vocabulary phrase ("crash loop", "m tls") — becomes a *concept*:
   a few alternative spellings, any of which may match (the word itself, its canonical term,
   and for words the index has never seen, the closest indexed word by rapidfuzz).
3. FTS5 BM25 ranks the entries matching any alternative. Each candidate is then scored by how
   much of the question it explains — the IDF-weighted share of concepts it contains — blended
   with its BM25 rank and a fuzzy title match.

Confidence is that share: an entry that explains only "kubernetes" out of "kubernetes pod
autoscaling best practice" is not an answer, however well it ranks. An on-call engineer is
better served by "I don't know, but here are the closest topics" than by a confident wrong fix.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote_plus

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from engine.cost import CostParameters
from engine.rules import Limit
from knowledge.embeddings import Embedder, from_blobs
from knowledge.errors import IndexUnavailable, InvalidQuestion
from knowledge.index import words
from knowledge.intent import FleetFigure, compared_meshes, fleet_figure
from knowledge.ranking import (
    CANDIDATE_FEATURES,
    KINDS,
    Matrix,
    Ranker,
    packaged_ranker,
    reciprocal_rank,
    sigmoid,
)

MAX_QUESTION_CHARS = 1000
#: The most results one search returns, whichever front door asks.
MAX_RESULTS = 20
CANDIDATES = 30
#: The semantic half adds the entries closest in meaning, whatever words they use.
SEMANTIC_CANDIDATES = 10
#: A question that is mostly one generic error string (this share of its words or more) and
#: names no cause of its own is answered with every runbook that lists the string.
GENERIC_ERROR_SHARE = 0.6
TYPO_CUTOFF = 80
GUESS_CREDIT = 0.7  # share of a concept's weight earned through a typo correction
_MEASURED = re.compile(
    r"(\d+(?:\.\d+)*)\s*-?\s*([a-z]+)|([a-z]+)\s+(?:of\s+|is\s+)?(\d+(?:\.\d+)*)"
)
_ID = re.compile(r"\b[a-z][a-z0-9]*-p\d{3}\b|\b[a-z]+\.[a-z0-9.-]+\b")

STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can could
    did do does doing for from get got had has have having he her here how i if in into is it
    its just me more most my need needs no not of off on once only or our ours out over own
    please same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours tell show explain know want vs versus between
    dont doesnt didnt cant cannot wont isnt arent wasnt shouldnt""".split()
)


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    title: str
    answer: str
    score: float
    sources: list[dict[str, str | None]]


@dataclass(frozen=True)
class Suggestion:
    id: str
    kind: str
    title: str


@dataclass(frozen=True)
class Answer:
    """``summary`` is what every front end shows first: one to three sentences that answer the
    question (a runbook's mitigation, a computed figure, the runbooks an error could mean, or
    "I don't know" with where to look). ``ambiguous`` marks a listing of possible runbooks:
    none of them is a confident answer on its own. ``confident`` is true when the first result
    reaches CONFIDENCE_THRESHOLD; an answer below it leads with "Probably"."""

    question: str
    answered: bool
    results: list[Hit] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    summary: str = ""
    ambiguous: bool = False
    confident: bool = False


@dataclass(frozen=True)
class _Concept:
    """One thing the question asks about, and the entries that mention it (anywhere, and in
    their title or keywords). A measured concept ("17 services") has no words to search."""

    alternatives: tuple[str, ...]
    docs: frozenset[int]
    title_docs: frozenset[int]
    guessed: bool = False  # matched only through a typo correction: weaker evidence


@dataclass(frozen=True)
class Evidence:
    """What one question offers the ranking models: each candidate's features (rows in the
    order of ``candidates``), entries that are certain (typed by id, or the basis of a
    computed figure), the runbooks a generic error could mean, and the question's own shape."""

    text: str
    candidates: list[int]
    ids: list[str]  # the candidates' entry ids
    rows: Matrix
    certain: set[int]
    preferred: set[int]  # what the question's intent asks for: the comparison tables of its meshes
    generic: set[int]
    figure: FleetFigure | None
    unknown: float
    concepts: int


def ranked_order(evidence: Evidence, relevance: Matrix) -> list[int]:
    """Candidate positions, best first: what the question's intent asks for (a comparison
    table covering the meshes of "X vs Y") ahead of everything else, then by relevance. That
    intent is a rule, not a learned weight, so that a reviewer can rely on it; an error signal
    only one runbook lists is strong evidence the relevance model weighs (``signal``), but a
    one-word signal in a long paste is not proof."""
    candidates = evidence.candidates
    return sorted(
        range(len(candidates)),
        key=lambda i: (candidates[i] not in evidence.preferred, -relevance[i], candidates[i]),
    )


def answer_features(evidence: Evidence, relevance: Matrix, order: list[int]) -> Matrix:
    """``ANSWER_FEATURES`` of a question, from its best candidate by ``relevance``."""
    first = order[0]
    second = float(relevance[order[1]]) if len(order) > 1 else 0.0
    columns = CANDIDATE_FEATURES.index
    row = evidence.rows[first]
    firsts = (row[columns("bm25_rank")] == 1.0) + (row[columns("semantic_rank")] == 1.0)
    return np.array(
        [
            float(relevance[first]),
            float(relevance[first]) - second,
            row[columns("coverage")],
            row[columns("semantic")],
            row[columns("semantic_z")],
            firsts / 2,
            evidence.unknown,
            math.log1p(evidence.concepts),
            row[columns("missing")],
            row[columns("signal")],
            row[columns("comparison")],
        ]
    )


def clean(question: str) -> str:
    """Normalise and strip characters no person types: controls, format marks, lone surrogates.

    Only a question with nothing but whitespace is refused; one that was all junk comes back
    empty, and the search answers it with "I don't know" and the main topics.
    """
    if not question.strip():
        raise InvalidQuestion("the question is empty: ask about a symptom, a mesh or a figure")
    text = unicodedata.normalize("NFKC", question)
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C" or ch.isspace()
    )
    text = " ".join("".join(kept).split())
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"the question is {len(text)} characters long; keep it under {MAX_QUESTION_CHARS}"
        )
    return text


class Searcher:
    """Searches one index file, copied into memory so a search never waits on the disk.

    Thread-safe: one SQLite connection under a lock, held only for the FTS queries (answers
    are kept in memory), is simpler and smaller than a copy of the index per thread.
    """

    def __init__(
        self,
        index_path: Path,
        cost: CostParameters | None = None,
        advise: Callable[[str, Answer], Answer] | None = None,
        ranker: Ranker | None = None,
    ) -> None:
        """``cost`` lets fleet questions be computed; ``advise`` re-reads answers for the
        releases a question names (VersionAdvisor); ``ranker`` defaults to the packaged one
        (the trainer passes its own)."""
        self.ranker = ranker or packaged_ranker()
        self._cost = cost
        self._advise = advise
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            source = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
            try:
                source.backup(self._db)
            finally:
                source.close()
        except sqlite3.Error as error:
            raise IndexUnavailable(f"cannot open the search index {index_path}: {error}") from error
        self._lock = threading.Lock()
        rows = self._db.execute("select rowid, id, kind, title, keywords from entries").fetchall()
        self._entries = {row[0]: row[1:] for row in rows}
        # Title and keywords for the fuzzy match, as their distinct words sorted: rapidfuzz's
        # token_set_ratio depends only on the two sets of words, and keywords repeat many
        # (a third of the text), so the same scores cost a third less.
        self._names = {
            row[0]: " ".join(sorted(set(f"{row[3]} {row[4]}".lower().split()))) for row in rows
        }
        # What each entry calls itself, as sets of stems: its keyword phrases and its title.
        self._phrases = {row[0]: [p for k in row[4].split(";") if (p := _stems(k))] for row in rows}
        self._title_stems = {row[0]: _stems(row[3]) for row in rows}
        self._comparisons = [row[0] for row in rows if row[2] == "comparison"]
        # Answers stay in memory: fetching them per hit would queue every request on the lock.
        self._answers = {
            rowid: (answer, json.loads(sources))
            for rowid, answer, sources in self._db.execute(
                "select rowid, answer, sources from entries"
            )
        }
        self._by_id = {row[1].lower(): row[0] for row in rows}
        self._leads = dict(self._db.execute("select rowid, lead from entries").fetchall())
        self._signal_runbooks: dict[tuple[str, ...], set[int]] = {}
        for entry, signal in self._db.execute("select entry, signal from signals"):
            key = tuple(words(signal))
            if key:
                self._signal_runbooks.setdefault(key, set()).add(self._by_id[entry.lower()])
        self._longest_signal = max(map(len, self._signal_runbooks), default=0)
        self._words = [w for (w,) in self._db.execute("select word from words")]
        self._known = frozenset(self._words)
        self._synonyms = dict(self._db.execute("select phrase, term from synonyms").fetchall())
        # The lengths of the vocabulary phrases starting with each word, longest first: a
        # question's word that starts none is not tried as a phrase at all.
        lengths: dict[str, set[int]] = {}
        for phrase in self._synonyms:
            if parts := phrase.split():
                lengths.setdefault(parts[0], set()).add(len(parts))
        self._synonym_lengths = {w: sorted(ns, reverse=True) for w, ns in lengths.items()}
        self._limits = [
            (self._by_id[entry.lower()], Limit.model_validate_json(limit))
            for entry, limit in self._db.execute("select entry, bound from limits")
        ]
        # Passages sorted by entry, so one reduceat takes each entry's best passage.
        passages = sorted(
            (self._by_id[entry.lower()], blob)
            for entry, blob in self._db.execute("select entry, vector from passages")
        )
        owners = [rowid for rowid, _ in passages]
        self._vectors = from_blobs([blob for _, blob in passages])
        self._starts = np.array(
            [i for i, rowid in enumerate(owners) if i == 0 or owners[i - 1] != rowid],
            dtype=np.intp,
        )
        self._owners = np.array(sorted(set(owners)), dtype=np.intp)
        self._position = {rowid: i for i, rowid in enumerate(self._owners.tolist())}
        self._embedder = Embedder(dict(self._db.execute("select piece, id from pieces")))
        # Now in Python objects: the tables' pages would only double the resident memory.
        self._db.executescript("drop table pieces; drop table passages; vacuum;")
        self._phrase_scores = lru_cache(maxsize=8192)(self._score_phrase)
        self._docs_of = lru_cache(maxsize=8192)(self._match)
        self._title_docs_of = lru_cache(maxsize=8192)(self._match_title)
        self._correct = lru_cache(maxsize=8192)(self._closest_word)
        # Bounded, and its concepts share the word caches' sets (``_union``): a stream of new
        # words costs a few hundred bytes each, not a copy of the entries they match.
        self._concept = lru_cache(maxsize=4096)(self._read_concept)

    @property
    def size(self) -> int:
        return len(self._entries)

    def unknown_words(self, question: str) -> list[str]:
        """The question's words the index has never seen (stop words and numbers aside):
        what a vocabulary term or a keyword would have to add for the search to find it."""
        return [
            w
            for w in dict.fromkeys(words(unicodedata.normalize("NFKC", question)))
            if w not in self._known
            and _singular(w) not in self._known
            and w not in STOP_WORDS
            and not w.isdigit()
            and len(w) > 1
        ]

    def entry(self, entry_id: str) -> Hit | None:
        """One entry's answer by id, as a full-confidence hit."""
        rowid = self._by_id.get(entry_id.lower())
        return None if rowid is None else self._hit(rowid, 1.0)

    def search(
        self,
        question: str,
        limit: int = 5,
        kinds: frozenset[str] = frozenset(),
        min_confidence: float | None = None,
    ) -> Answer:
        """Rank entries for ``question``; ``kinds`` (e.g. ``{"pitfall"}``) narrows the search.

        Results come best first by the confidence they show. ``min_confidence`` is for
        calibration only: everything else keeps the ranker's answer threshold.
        """
        floor = self.ranker.answer_threshold if min_confidence is None else min_confidence
        evidence = self.evidence(question, kinds)
        text = evidence.text
        if not evidence.candidates:
            return self._unknown(text, self._default_suggestions())
        ranked = self._rank(evidence)
        if evidence.generic and not kinds:
            listed = [(conf, r) for conf, r in ranked if r in evidence.generic]
            return Answer(
                text,
                True,
                [self._hit(r, conf) for conf, r in listed],
                [],
                self._generic_summary([r for _, r in listed]),
                ambiguous=True,
            )
        confident = [(conf, rowid) for conf, rowid in ranked if conf >= floor]
        if not confident:
            return self._unknown(text, [self._suggestion(rowid) for _, rowid in ranked[:3]])
        hits = [self._hit(rowid, conf) for conf, rowid in confident[:limit]]
        if self._advise is not None:
            hits = _no_more_confident_than_above(
                self._advise(text, Answer(text, True, hits)).results
            )
        sure = hits[0].score >= self.ranker.confident_threshold
        figure = evidence.figure
        summary = figure.summary if figure else self._leads[self._by_id[hits[0].id.lower()]]
        if not sure:
            others = "; ".join(hit.title for hit in hits[1:3])
            summary = f"Probably: {summary}" + (f" Also close: {others}." if others else "")
            summary += _docs_pointer(text)
        return Answer(text, True, hits, [], summary, confident=sure)

    def evidence(self, question: str, kinds: frozenset[str] = frozenset()) -> Evidence:
        """Everything the question says before anything is ranked: its candidates and, for
        each, the features the relevance model weighs (``knowledge.ranking``)."""
        text = clean(question)
        concepts = self._concepts(text)
        exact = self._exact_ids(text)
        bm25 = self._bm25(concepts)
        measured = {r for c in concepts if not c.alternatives for r in c.docs}
        similar = self._semantic(text)
        by_meaning = np.argsort(-similar, kind="stable")
        nearest = self._owners[by_meaning[:SEMANTIC_CANDIDATES]].tolist()
        figure = fleet_figure(text, self._cost) if self._cost else None
        signalled, generic = self._signals(text)
        figure_basis = [self._by_id[figure.plane]] if figure else []
        meshes = compared_meshes(text)
        compared = {
            r
            for r in (self._comparisons if meshes else ())
            if all(r in self._docs_of(mesh) for mesh in meshes)
        }
        candidates = sorted(
            r
            for r in {*bm25, *measured, *exact, *nearest, *signalled, *generic, *figure_basis}
            if not kinds or self._entries[r][1] in kinds
        )
        rows, unknown = self._features(
            candidates, concepts, text, bm25, similar, by_meaning, signalled, compared
        )
        return Evidence(
            text=text,
            candidates=candidates,
            ids=[self._entries[r][0] for r in candidates],
            rows=rows,
            certain=exact | set(figure_basis),
            preferred=compared,
            generic=generic,
            figure=figure,
            unknown=unknown,
            concepts=len(concepts),
        )

    # -- reading the question ------------------------------------------------------------

    def _concepts(self, text: str) -> list[_Concept]:
        tokens = words(text)
        concepts: list[_Concept] = []
        i = 0
        while i < len(tokens):
            for n in self._synonym_lengths.get(tokens[i], ()):
                phrase = " ".join(tokens[i : i + n])
                if i + n <= len(tokens) and phrase in self._synonyms:
                    concepts.append(self._concept(phrase, self._synonyms[phrase].lower()))
                    i += n
                    break
            else:
                token = tokens[i]
                i += 1
                if token in STOP_WORDS or (len(token) == 1 and not token.isdigit()):
                    continue
                concept = self._concept(token)
                # A number the index lacks ("17") is left to _measured(); a generated name in
                # a pasted log line (a pod hash, "12s", a timestamp piece) says nothing; any
                # other unknown word is a topic the knowledge base lacks, and counts against
                # confidence.
                if concept.docs or not _generated(token):
                    concepts.append(concept)
        measured = self._measured(text)
        return [*concepts, measured] if measured.docs else concepts

    def _read_concept(self, *spellings: str) -> _Concept:
        """A word or vocabulary phrase as a concept (kept per word by ``self._concept``)."""
        alternatives = list(spellings)
        docs = _union(self._docs_of(a) for a in alternatives)
        guessed = not docs
        if guessed:
            alternatives += [c for a in alternatives if (c := self._correct(a))]
            docs = _union(self._docs_of(a) for a in alternatives)
        title_docs = _union(self._title_docs_of(a) for a in alternatives)
        return _Concept(tuple(dict.fromkeys(alternatives)), docs, title_docs, guessed)

    def _measured(self, text: str) -> _Concept:
        """Thresholds that a number in the question is measured against: "17 services" finds
        the rules about service counts, preferring those the number satisfies."""
        mentioned: dict[int, list[bool]] = {}
        for match in _MEASURED.finditer(text.lower()):
            number = match.group(1) or match.group(4)
            word = _singular(
                self._synonyms.get(match.group(2) or match.group(3), "")
                or match.group(2)
                or match.group(3)
            )
            for rowid, limit in self._limits:
                names = {_singular(limit.unit), *(_singular(p) for p in limit.measure.split("-"))}
                if word in names:
                    mentioned.setdefault(rowid, []).append(_holds(limit, number))
        satisfied = frozenset(r for r, results in mentioned.items() if all(results))
        docs = satisfied or frozenset(mentioned)
        return _Concept((), docs, docs)

    def _match(self, phrase: str) -> frozenset[int]:
        """The entries containing ``phrase`` anywhere: those its BM25 scores cover, so one FTS5
        query per word serves both."""
        return frozenset(self._phrase_scores(phrase)[0].tolist())

    def _match_title(self, phrase: str) -> frozenset[int]:
        with self._lock:
            rows = self._db.execute(
                "select rowid from entries_fts where entries_fts match ?",
                ("{title keywords}: " + _quoted(phrase),),
            ).fetchall()
        return frozenset(row[0] for row in rows)

    def _closest_word(self, word: str) -> str | None:
        if len(word) < 4 or word.isdigit() or " " in word:
            return None
        found = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else None

    def _signals(self, text: str) -> tuple[set[int], set[int]]:
        """Runbooks the question's error strings point at: (those named by a signal only they
        list, and — when the question is little more than a shared signal — every runbook
        that lists it). Two-letter response flags count only typed in capitals (``UF``)."""
        tokens = words(text)
        capitals = set(re.findall(r"\b[A-Z]{2,4}\b", text))
        covered: set[int] = set()
        unique: set[int] = set()
        shared: set[int] = set()
        for i in range(len(tokens)):
            for n in range(min(self._longest_signal, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + n])
                runbooks = self._signal_runbooks.get(key)
                if runbooks is None or (
                    n == 1 and len(key[0]) <= 4 and key[0].upper() not in capitals
                ):
                    continue
                covered.update(range(i, i + n))
                (unique if len(runbooks) == 1 else shared).update(runbooks)
                break
        content = [t for t in tokens if t not in STOP_WORDS]
        share = len(covered) / len(tokens) if content else 0.0
        generic = (
            shared if not unique and len(shared) > 1 and share >= GENERIC_ERROR_SHARE else set()
        )
        return unique, generic

    def _exact_ids(self, text: str) -> set[int]:
        """Codes and ids typed as such (``MESH-P003``, ``cmp.istio-vs-linkerd``) win outright."""
        return {self._by_id[m] for m in _ID.findall(text.lower()) if m in self._by_id}

    # -- ranking -------------------------------------------------------------------------

    def _semantic(self, text: str) -> npt.NDArray[np.float32]:
        """Each entry's cosine similarity to the question (that of its closest passage), in
        the order of ``self._owners``."""
        if not len(self._vectors):
            return np.zeros(0, dtype=np.float32)
        sims = self._vectors @ self._embedder.embed(text)
        return np.maximum.reduceat(sims, self._starts)

    def _bm25(self, concepts: Iterable[_Concept]) -> dict[int, float]:
        """The best candidates by BM25, each scored relative to the best (1.0) of them.

        FTS5's ``bm25`` of a query of OR-ed phrases is the sum of each phrase's own score, so
        each word's scores are looked up once (``_phrase_scores``, bounded by the vocabulary)
        and a question adds them up, instead of running a query per question."""
        found = [self._phrase_scores(a) for c in concepts for a in c.alternatives]
        rowids = np.concatenate([r for r, _ in found]) if found else np.zeros(0, dtype=np.intp)
        if not len(rowids):
            return {}
        total = np.bincount(rowids, np.concatenate([s for _, s in found]))
        matched = np.unique(rowids)
        best_first = matched[np.lexsort((matched, total[matched]))][:CANDIDATES]
        best = float(total[best_first[0]])
        return {int(r): (float(total[r]) / best if best else 0.0) for r in best_first}

    def _score_phrase(self, phrase: str) -> tuple[npt.NDArray[np.intp], Matrix]:
        """(rowids, FTS5 ``bm25`` scores: negative, lower is better) of the entries matching
        one phrase, with the columns weighted title 10, keywords 6, answer 1."""
        with self._lock:
            rows = self._db.execute(
                "select rowid, bm25(entries_fts, 10.0, 6.0, 1.0) from entries_fts "
                "where entries_fts match ?",
                (_quoted(phrase),),
            ).fetchall()
        return (
            np.array([r for r, _ in rows], dtype=np.intp),
            np.array([score for _, score in rows], dtype=np.float64),
        )

    def _features(
        self,
        candidates: list[int],
        concepts: list[_Concept],
        text: str,
        bm25: dict[int, float],
        similar: npt.NDArray[np.float32],
        by_meaning: npt.NDArray[np.intp],
        signalled: set[int],
        compared: set[int],
    ) -> tuple[Matrix, float]:
        """One row of ``CANDIDATE_FEATURES`` per candidate, and the share of the question
        (IDF-weighted) that no entry contains. Column by column: a search stays well under a
        millisecond of Python however many concepts and candidates there are."""
        n = len(self._entries)
        weights = [math.log(1 + n / (1 + len(c.docs))) for c in concepts]
        total = sum(weights) or 1.0
        unknown = sum(w for w, c in zip(weights, concepts, strict=True) if not c.docs) / total
        at = {rowid: i for i, rowid in enumerate(candidates)}
        pool = set(candidates)
        size = len(candidates)
        coverage, in_title = [0.0] * size, [0.0] * size
        # The rarest indexed concept each candidate lacks: an entry that misses the one
        # distinctive word of a question ("iptables", "kiali") is seldom its answer.
        known = sorted(
            ((w, c.docs) for w, c in zip(weights, concepts, strict=True) if c.docs),
            key=lambda item: -item[0],
        )
        rarest = known[0][0] if known else 1.0
        missing = [
            next((w / rarest for w, docs in known if rowid not in docs), 0.0)
            for rowid in candidates
        ]
        for weight, concept in zip(weights, concepts, strict=True):
            credit = weight * (GUESS_CREDIT if concept.guessed else 1.0) / total
            for rowid in concept.docs & pool:
                coverage[at[rowid]] += credit
            for rowid in concept.title_docs & pool:
                in_title[at[rowid]] += credit
        bm25_rank = {rowid: k for k, rowid in enumerate(bm25)}
        fuzzy = [0.0] * size
        names = {rowid: self._names[rowid] for rowid in candidates}
        for _, score, rowid in process.extract(
            text.lower(), names, scorer=fuzz.token_set_ratio, limit=None
        ):
            fuzzy[at[rowid]] = score / 100
        semantic, semantic_rank, semantic_z = [0.0] * size, [0.0] * size, [0.0] * size
        if len(similar):
            rank = np.empty(len(by_meaning), dtype=np.intp)
            rank[by_meaning] = np.arange(len(by_meaning))
            mean, spread = float(similar.mean()), float(similar.std()) or 1.0
            for i, rowid in enumerate(candidates):
                if (position := self._position.get(rowid)) is not None:
                    semantic[i] = max(0.0, float(similar[position]))
                    semantic_rank[i] = reciprocal_rank(int(rank[position]))
                    semantic_z[i] = (float(similar[position]) - mean) / spread
        asked = _stems(text)
        phrases = [sum(map(asked.issuperset, self._phrases[rowid])) / 3 for rowid in candidates]
        titled = [
            len(self._title_stems[rowid] & asked) / (len(self._title_stems[rowid]) or 1)
            for rowid in candidates
        ]
        kinds = [self._entries[rowid][1] for rowid in candidates]
        rows = np.array(
            [
                coverage,
                in_title,
                [bm25.get(rowid, 0.0) for rowid in candidates],
                [reciprocal_rank(bm25_rank.get(rowid)) for rowid in candidates],
                fuzzy,
                semantic,
                semantic_rank,
                semantic_z,
                [min(1.0, share) for share in phrases],
                titled,
                missing,
                [float(rowid in signalled) for rowid in candidates],
                [float(rowid in compared) for rowid in candidates],
                *([float(kind == each) for kind in kinds] for each in KINDS),
            ]
        ).T
        return rows, unknown

    def _rank(self, evidence: Evidence) -> list[tuple[float, int]]:
        """(confidence, rowid) for every candidate, best first.

        The relevance model orders the candidates (after what the question's intent asks for);
        the answer model says how likely the first is right, and that is its confidence. The
        others show it scaled by how far behind the first their relevance is, never more than
        the result above them, so results stay sorted by the confidence they show. An entry
        typed by its id, and the profile a computed figure came from, are certain.
        """
        relevance = self.ranker.relevance.score(evidence.rows)
        order = ranked_order(evidence, relevance)
        confidence = float(
            self.ranker.answer.probability(answer_features(evidence, relevance, order)[None, :])[0]
        )
        # 2·sigmoid(difference): 1 for a tie with the first, towards 0 far behind it.
        behind = 2 * sigmoid(relevance - relevance[order[0]])
        ranked = [(1.0, r) for r in sorted(evidence.certain)]
        shown = confidence
        for i in order:
            if evidence.candidates[i] not in evidence.certain:
                shown = min(shown, confidence * float(behind[i]))
                ranked.append((shown, evidence.candidates[i]))
        return ranked

    # -- results -------------------------------------------------------------------------

    def _hit(self, rowid: int, confidence: float) -> Hit:
        entry_id, kind, title, _ = self._entries[rowid]
        answer, sources = self._answers[rowid]
        return Hit(entry_id, kind, title, answer, round(confidence, 3), sources)

    def _generic_summary(self, runbooks: list[int]) -> str:
        names = "; ".join(self._entries[r][2] for r in runbooks)
        return (
            f"This error is a symptom several runbooks list, with different causes and "
            f"opposite fixes, so check which one applies before changing anything: {names}. "
            f"Compare your situation with each runbook's symptoms and verification steps."
        )

    def _unknown(self, text: str, suggestions: list[Suggestion]) -> Answer:
        """ "I don't know", the closest topics, and for a mesh question the product's own docs."""
        closest = ", ".join(s.title for s in suggestions[:3])
        summary = "I don't know: nothing in the knowledge base answers this confidently."
        if closest:
            summary += f" Closest topics: {closest}."
        return Answer(text, False, [], suggestions, summary + _docs_pointer(text))

    def _suggestion(self, rowid: int) -> Suggestion:
        entry_id, kind, title, _ = self._entries[rowid]
        return Suggestion(entry_id, kind, title)

    def _default_suggestions(self) -> list[Suggestion]:
        """With nothing to go on, offer the entry points: the pitfalls and the comparisons."""
        rows = [
            r for r, (_, kind, _, _) in self._entries.items() if kind in {"pitfall", "comparison"}
        ]
        return [self._suggestion(rowid) for rowid in sorted(rows)[:5]]


#: Each product's own documentation search, for mesh questions the knowledge base lacks.
DOCS_SEARCH = {
    "istio": "https://istio.io/latest/search/?q={}",
    "linkerd": "https://linkerd.io/search/?q={}",
    "cilium": "https://docs.cilium.io/en/stable/search.html?q={}",
}
_MESH_WORDS = {"mesh", "envoy", "sidecar", "sidecars", "ambient", "ztunnel", "waypoint"}


def docs_search(text: str) -> list[str]:
    """Search links for the products a question names (all three for "mesh" or "envoy")."""
    tokens = set(words(text))
    named = [product for product in DOCS_SEARCH if product in tokens]
    if not named and tokens & _MESH_WORDS:
        named = list(DOCS_SEARCH)
    terms = quote_plus(" ".join(t for t in words(text) if t not in STOP_WORDS)[:200])
    return [DOCS_SEARCH[product].format(terms) for product in named]


def _no_more_confident_than_above(hits: list[Hit]) -> list[Hit]:
    """The version advisor moves entries that do not hold for the release named below those
    that do; such an entry is then shown with no more confidence than the one above it, so
    results stay sorted by the confidence they show."""
    shown: list[Hit] = []
    for hit in hits:
        ceiling = shown[-1].score if shown else hit.score
        shown.append(hit if hit.score <= ceiling else replace(hit, score=ceiling))
    return shown


def _docs_pointer(text: str) -> str:
    docs = docs_search(text)
    return f" Search the product documentation: {' · '.join(docs)}." if docs else ""


def _quoted(phrase: str) -> str:
    """``phrase`` as one FTS5 phrase: quoted, its own quotes doubled, so no word is syntax."""
    return '"' + phrase.replace('"', '""') + '"'


def _union(sets: Iterable[frozenset[int]]) -> frozenset[int]:
    """The union of ``sets``; when at most one is non-empty, that very set (shared, not copied)."""
    found = [docs for docs in sets if docs]
    return found[0] if len(found) == 1 else frozenset().union(*found)


def _generated(token: str) -> bool:
    """A number, or letters and digits mixed: ``545db77b95``, ``12s``, ``30t10``."""
    return any(ch.isdigit() for ch in token) and (token.isdigit() or not token.isalpha())


def _stems(text: str) -> frozenset[str]:
    """The content words of ``text``, singular: what entry-side matching compares."""
    return frozenset(_singular(w) for w in words(text) if w not in STOP_WORDS and len(w) > 1)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _holds(limit: Limit, number: str) -> bool:
    try:
        return limit.holds(number)
    except ValueError:
        return False
