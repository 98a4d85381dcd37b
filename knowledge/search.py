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
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.errors import IndexUnavailable, InvalidQuestion
from knowledge.index import words

MAX_QUESTION_CHARS = 1000
#: Calibrated on tests/eval/questions.yaml: the lowest confidence of a correct top answer sits
#: well above it and the highest off-topic confidence below it (``make bench`` prints both).
CONFIDENCE_THRESHOLD = 0.5
CANDIDATES = 30
TYPO_CUTOFF = 80
_BLEND = (0.55, 0.30, 0.15)  # coverage, BM25 rank, fuzzy title match
_ID = re.compile(r"\b[a-z][a-z0-9]*-p\d{3}\b|\b[a-z]+\.[a-z0-9.-]+\b")

STOP_WORDS = frozenset(
    """a about after all also am an and any are as at be been before being but by can could
    did do does doing for from get got had has have having he her here how i if in into is it
    its just me more most my need needs no not of off on once only or our ours out over own
    please same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom
    why will with would you your yours tell show explain know want vs versus between""".split()  # noqa: SIM905
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
    alternatives: tuple[str, ...]
    docs: frozenset[int]


def clean(question: str) -> str:
    """Normalise and strip characters no person types: controls, format marks, lone surrogates."""
    text = unicodedata.normalize("NFKC", question)
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch)[0] != "C" or ch.isspace()
    )
    text = " ".join("".join(kept).split())
    if not text:
        raise InvalidQuestion("the question is empty: ask about a symptom, a mesh or a figure")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"the question is {len(text)} characters long; keep it under {MAX_QUESTION_CHARS}"
        )
    return text


class Searcher:
    """Searches one index file, copied into memory so a search never waits on the disk.

    Thread-safe: FastAPI runs handlers on a thread pool, and one SQLite connection under a lock
    is both simpler and faster here than a connection per thread.
    """

    def __init__(self, index_path: Path) -> None:
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
        self._by_id = {row[1].lower(): row[0] for row in rows}
        self._words = [w for (w,) in self._db.execute("select word from words")]
        self._synonyms = dict(self._db.execute("select phrase, term from synonyms").fetchall())
        self._longest_synonym = max((len(p.split()) for p in self._synonyms), default=1)
        self._docs_of = lru_cache(maxsize=8192)(self._match)
        self._correct = lru_cache(maxsize=8192)(self._closest_word)

    @property
    def size(self) -> int:
        return len(self._entries)

    def search(self, question: str, limit: int = 5, kinds: frozenset[str] = frozenset()) -> Answer:
        """Rank entries for ``question``; ``kinds`` (e.g. ``{"pitfall"}``) narrows the search."""
        text = clean(question)
        concepts = self._concepts(text)
        exact = self._exact_ids(text)
        bm25 = self._bm25(concepts)
        candidates = {r for r in set(bm25) | exact if not kinds or self._entries[r][1] in kinds}
        if not candidates:
            return Answer(text, False, [], self._default_suggestions())
        ranked = sorted(
            ((self._score(rowid, concepts, text, bm25, exact), rowid) for rowid in candidates),
            key=lambda pair: (-pair[0][0], pair[1]),
        )
        confident = [
            (conf, rowid) for (rank, conf), rowid in ranked if conf >= CONFIDENCE_THRESHOLD
        ]
        if not confident:
            suggestions = [self._suggestion(rowid) for _, rowid in ranked[:3]]
            return Answer(text, False, [], suggestions)
        return Answer(text, True, [self._hit(rowid, conf) for conf, rowid in confident[:limit]], [])

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
                if token not in STOP_WORDS:
                    concepts.append(self._concept([token]))
        return [c for c in concepts if c.alternatives]

    def _concept(self, alternatives: list[str]) -> _Concept:
        docs = frozenset().union(*(self._docs_of(a) for a in alternatives))
        if not docs:
            corrected = [c for a in alternatives if (c := self._correct(a))]
            docs = frozenset().union(*(self._docs_of(c) for c in corrected))
            alternatives += corrected
        return _Concept(tuple(dict.fromkeys(alternatives)), docs)

    def _match(self, phrase: str) -> frozenset[int]:
        query = '"' + phrase.replace('"', '""') + '"'
        with self._lock:
            rows = self._db.execute(
                "select rowid from entries_fts where entries_fts match ?", (query,)
            ).fetchall()
        return frozenset(row[0] for row in rows)

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

    def _score(
        self,
        rowid: int,
        concepts: list[_Concept],
        text: str,
        bm25: dict[int, float],
        exact: set[int],
    ) -> tuple[float, float]:
        """(rank score, confidence) for one candidate."""
        if rowid in exact:
            return 2.0, 1.0
        n = len(self._entries)
        weights = [math.log(1 + n / (1 + len(c.docs))) for c in concepts]
        total = sum(weights) or 1.0
        coverage = sum(w for w, c in zip(weights, concepts, strict=True) if rowid in c.docs) / total
        _, _, title, keywords = self._entries[rowid]
        fuzzy = fuzz.token_set_ratio(text.lower(), f"{title} {keywords}".lower()) / 100
        a, b, c = _BLEND
        return a * coverage + b * bm25.get(rowid, 0.0) + c * fuzzy, coverage

    # -- results -------------------------------------------------------------------------

    def _hit(self, rowid: int, confidence: float) -> Hit:
        with self._lock:
            entry_id, kind, title, answer, sources = self._db.execute(
                "select id, kind, title, answer, sources from entries where rowid = ?", (rowid,)
            ).fetchone()
        return Hit(entry_id, kind, title, answer, round(confidence, 3), json.loads(sources))

    def _suggestion(self, rowid: int) -> Suggestion:
        entry_id, kind, title, _ = self._entries[rowid]
        return Suggestion(entry_id, kind, title)

    def _default_suggestions(self) -> list[Suggestion]:
        """With nothing to go on, offer the entry points: the pitfalls and the comparisons."""
        rows = [
            r for r, (_, kind, _, _) in self._entries.items() if kind in {"pitfall", "comparison"}
        ]
        return [self._suggestion(rowid) for rowid in sorted(rows)[:5]]
