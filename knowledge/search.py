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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from engine.rules import Limit
from knowledge.errors import IndexUnavailable, InvalidQuestion
from knowledge.index import words

MAX_QUESTION_CHARS = 1000
#: The most results one search returns, whichever front door asks.
MAX_RESULTS = 20
#: Calibrated on tests/eval/questions.yaml: the lowest confidence of a correct top answer sits
#: well above it and the highest off-topic confidence below it (``make bench`` prints both).
CONFIDENCE_THRESHOLD = 0.4
#: Confidence mixes how much of the question an entry explains with how much of it the entry's
#: title and keywords name: an answer must cover the question *and* be about it.
CONFIDENCE_MIX = 0.6
CANDIDATES = 30
TYPO_CUTOFF = 80
GUESS_CREDIT = 0.7  # share of a concept's weight earned through a typo correction
#: Curated entries (a runbook, a table, a rule) answer a question more fully than one claim does.
KIND_PRIOR = {"pitfall": 0.05, "comparison": 0.05, "threshold": 0.03, "anti-pattern": 0.03}
_BLEND = (0.4, 0.3, 0.2, 0.1)  # coverage, coverage by title and keywords, BM25, fuzzy title
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
    question: str
    answered: bool
    results: list[Hit] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True)
class _Concept:
    """One thing the question asks about, and the entries that mention it (anywhere, and in
    their title or keywords). A measured concept ("17 services") has no words to search."""

    alternatives: tuple[str, ...]
    docs: frozenset[int]
    title_docs: frozenset[int]
    guessed: bool = False  # matched only through a typo correction: weaker evidence


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
        self, index_path: Path, advise: Callable[[str, Answer], Answer] | None = None
    ) -> None:
        """``advise`` re-reads answers for the releases a question names (VersionAdvisor)."""
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
        self._names = {row[0]: f"{row[3]} {row[4]}".lower() for row in rows}
        # Answers stay in memory: fetching them per hit would queue every request on the lock.
        self._answers = {
            rowid: (answer, json.loads(sources))
            for rowid, answer, sources in self._db.execute(
                "select rowid, answer, sources from entries"
            )
        }
        self._by_id = {row[1].lower(): row[0] for row in rows}
        self._words = [w for (w,) in self._db.execute("select word from words")]
        self._synonyms = dict(self._db.execute("select phrase, term from synonyms").fetchall())
        self._longest_synonym = max((len(p.split()) for p in self._synonyms), default=1)
        self._limits = [
            (self._by_id[entry.lower()], Limit.model_validate_json(limit))
            for entry, limit in self._db.execute("select entry, bound from limits")
        ]
        self._docs_of = lru_cache(maxsize=8192)(self._match)
        self._title_docs_of = lru_cache(maxsize=8192)(self._match_title)
        self._correct = lru_cache(maxsize=8192)(self._closest_word)

    @property
    def size(self) -> int:
        return len(self._entries)

    def entry(self, entry_id: str) -> Hit | None:
        """One entry's answer by id, as a full-confidence hit."""
        rowid = self._by_id.get(entry_id.lower())
        return None if rowid is None else self._hit(rowid, 1.0)

    def search(
        self,
        question: str,
        limit: int = 5,
        kinds: frozenset[str] = frozenset(),
        min_confidence: float = CONFIDENCE_THRESHOLD,
    ) -> Answer:
        """Rank entries for ``question``; ``kinds`` (e.g. ``{"pitfall"}``) narrows the search.

        ``min_confidence`` is for calibration only: everything else keeps the default.
        """
        text = clean(question)
        concepts = self._concepts(text)
        exact = self._exact_ids(text)
        bm25 = self._bm25(concepts)
        measured = {r for c in concepts if not c.alternatives for r in c.docs}
        candidates = {
            r for r in set(bm25) | measured | exact if not kinds or self._entries[r][1] in kinds
        }
        if not candidates:
            return Answer(text, False, [], self._default_suggestions())
        ranked = self._rank(candidates, concepts, text, bm25, exact)
        confident = [(conf, rowid) for _, conf, rowid in ranked if conf >= min_confidence]
        if not confident:
            suggestions = [self._suggestion(rowid) for _, _, rowid in ranked[:3]]
            return Answer(text, False, [], suggestions)
        answer = Answer(text, True, [self._hit(rowid, conf) for conf, rowid in confident[:limit]])
        return answer if self._advise is None else self._advise(text, answer)

    # -- reading the question ------------------------------------------------------------

    def _concepts(self, text: str) -> list[_Concept]:
        tokens = words(text)
        concepts: list[_Concept] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._longest_synonym, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + n])
                if phrase in self._synonyms:
                    concepts.append(self._concept([phrase, self._synonyms[phrase].lower()]))
                    i += n
                    break
            else:
                token = tokens[i]
                i += 1
                if token in STOP_WORDS or (len(token) == 1 and not token.isdigit()):
                    continue
                concept = self._concept([token])
                # A number the index lacks ("17") is left to _measured(); an unknown word is a
                # topic the knowledge base lacks, and counts against confidence.
                if concept.docs or not token.isdigit():
                    concepts.append(concept)
        measured = self._measured(text)
        return [*concepts, measured] if measured.docs else concepts

    def _concept(self, alternatives: list[str]) -> _Concept:
        docs = frozenset().union(*(self._docs_of(a) for a in alternatives))
        guessed = not docs
        if guessed:
            alternatives += [c for a in alternatives if (c := self._correct(a))]
            docs = frozenset().union(*(self._docs_of(a) for a in alternatives))
        title_docs = frozenset().union(*(self._title_docs_of(a) for a in alternatives))
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

    def _match(self, phrase: str, columns: str = "") -> frozenset[int]:
        query = columns + '"' + phrase.replace('"', '""') + '"'
        with self._lock:
            rows = self._db.execute(
                "select rowid from entries_fts where entries_fts match ?", (query,)
            ).fetchall()
        return frozenset(row[0] for row in rows)

    def _match_title(self, phrase: str) -> frozenset[int]:
        return self._match(phrase, columns="{title keywords}: ")

    def _closest_word(self, word: str) -> str | None:
        if len(word) < 4 or word.isdigit() or " " in word:
            return None
        found = process.extractOne(word, self._words, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return found[0] if found else None

    def _exact_ids(self, text: str) -> set[int]:
        """Codes and ids typed as such (``MESH-P003``, ``cmp.istio-vs-linkerd``) win outright."""
        return {self._by_id[m] for m in _ID.findall(text.lower()) if m in self._by_id}

    # -- ranking -------------------------------------------------------------------------

    def _bm25(self, concepts: Iterable[_Concept]) -> dict[int, float]:
        """The best candidates by BM25, each scored relative to the best (1.0) of them."""
        alternatives = [a for c in concepts for a in c.alternatives]
        if not alternatives:
            return {}
        query = " OR ".join('"' + a.replace('"', '""') + '"' for a in alternatives)
        with self._lock:
            rows = self._db.execute(
                "select rowid, bm25(entries_fts, 10.0, 6.0, 1.0) from entries_fts "
                "where entries_fts match ? order by 2 limit ?",
                (query, CANDIDATES),
            ).fetchall()
        best = rows[0][1] if rows else -1.0
        return {rowid: (score / best if best else 0.0) for rowid, score in rows}

    def _rank(
        self,
        candidates: set[int],
        concepts: list[_Concept],
        text: str,
        bm25: dict[int, float],
        exact: set[int],
    ) -> list[tuple[float, float, int]]:
        """(rank score, confidence, rowid) for every candidate, best first."""
        n = len(self._entries)
        weights = [math.log(1 + n / (1 + len(c.docs))) for c in concepts]
        total = sum(weights) or 1.0
        credit = [
            (w * (GUESS_CREDIT if c.guessed else 1.0)) / total
            for w, c in zip(weights, concepts, strict=True)
        ]
        fuzzy = {
            rowid: score / 100
            for _, score, rowid in process.extract(
                text.lower(),
                {rowid: self._names[rowid] for rowid in candidates},
                scorer=fuzz.token_set_ratio,
                limit=None,
            )
        }
        a, b, c, d = _BLEND
        ranked = []
        for rowid in candidates:
            if rowid in exact:
                ranked.append((2.0, 1.0, rowid))
                continue
            coverage = in_title = 0.0
            for weight, concept in zip(credit, concepts, strict=True):
                if rowid in concept.docs:
                    coverage += weight
                    if rowid in concept.title_docs:
                        in_title += weight
                elif rowid in concept.title_docs:
                    in_title += weight
            rank = a * coverage + b * in_title + c * bm25.get(rowid, 0.0) + d * fuzzy[rowid]
            rank += KIND_PRIOR.get(self._entries[rowid][1], 0.0)
            confidence = CONFIDENCE_MIX * coverage + (1 - CONFIDENCE_MIX) * in_title
            ranked.append((rank, confidence, rowid))
        return sorted(ranked, key=lambda item: (-item[0], item[2]))

    # -- results -------------------------------------------------------------------------

    def _hit(self, rowid: int, confidence: float) -> Hit:
        entry_id, kind, title, _ = self._entries[rowid]
        answer, sources = self._answers[rowid]
        return Hit(entry_id, kind, title, answer, round(confidence, 3), sources)

    def _suggestion(self, rowid: int) -> Suggestion:
        entry_id, kind, title, _ = self._entries[rowid]
        return Suggestion(entry_id, kind, title)

    def _default_suggestions(self) -> list[Suggestion]:
        """With nothing to go on, offer the entry points: the pitfalls and the comparisons."""
        rows = [
            r for r, (_, kind, _, _) in self._entries.items() if kind in {"pitfall", "comparison"}
        ]
        return [self._suggestion(rowid) for rowid in sorted(rows)[:5]]


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _holds(limit: Limit, number: str) -> bool:
    try:
        return limit.holds(number)
    except ValueError:
        return False
