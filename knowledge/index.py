"""The SQLite index the search reads: one file, rebuilt only when its inputs change.

Tables (open the file with ``sqlite-utils`` or Datasette to look around):

- ``entries``: one row per entry — id, kind, title, keywords, body, Markdown answer, the lead
  (the sentences an answer starts with), sources;
  ``entries_fts`` is its FTS5 index over title, keywords and body (porter stemming).
- ``words``: every distinct word in the index, for correcting typos.
- ``synonyms``: the vocabulary, one row per (phrase, canonical term).
- ``limits``: the thresholds' machine-readable bounds, so "17 services" finds the gray zone.
- ``signals``: each runbook's exact error strings and log lines, to tell a specific error from
  one that several runbooks list.
- ``passages``: short texts of each entry (title, title with keywords, each keyword or error
  signal, body) with their embedding vector (float16), for the semantic half of the search.
- ``pieces``: the embedding model's tokenizer vocabulary, so a serving process tokenizes
  questions without loading the tokenizer library (see knowledge/embeddings.py).
- ``meta``: the content hash the file was built from, and the embedding model's name.

The hash covers the knowledge files *and* this package's code, so a change to how answers are
rendered rebuilds the index as surely as a change to a YAML file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.documents import Document, documents
from knowledge.embeddings import MODEL_NAME, packaged_embedder, to_blob
from knowledge.errors import IndexUnavailable

WORD = re.compile(r"[^\W_]+")
_CODE_DIR = Path(__file__).parent


def words(text: str) -> list[str]:
    """Split text the way FTS5's unicode61 tokenizer does, so both sides agree on words."""
    return WORD.findall(text.lower())


def passages(doc: Document) -> list[str]:
    """What an entry is embedded as. A static model averages token vectors, so one long text
    blurs into "mesh words": the title and each keyword or error signal get a vector of their
    own, and a question is as close to an entry as to its closest passage."""
    keywords = [k.strip() for k in doc.keywords.split(";") if k.strip()]
    texts = [doc.title, f"{doc.title}. {', '.join(keywords)}", *keywords, doc.body]
    return list(dict.fromkeys(t for t in texts if words(t)))


def index_digest(kb: KnowledgeBase) -> str:
    sha = hashlib.sha256(kb.digest.encode())
    for path in sorted(_CODE_DIR.glob("*.py")):
        sha.update(path.read_bytes())
    return sha.hexdigest()


def is_current(path: Path, kb: KnowledgeBase) -> bool:
    if not path.exists():
        return False
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = db.execute("select value from meta where key = 'digest'").fetchone()
    except sqlite3.DatabaseError:  # not an index, or not a database at all: rebuild it
        return False
    finally:
        db.close()
    return row is not None and row[0] == index_digest(kb)


def ensure_index(kb: KnowledgeBase, path: Path) -> bool:
    """Build the index at ``path`` unless it is current; True when it was (re)built."""
    if is_current(path, kb):
        return False
    build_index(kb, path)
    return True


def build_index(kb: KnowledgeBase, path: Path) -> None:
    """Write the index beside ``path`` and move it into place, so readers never see half a file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        _write(kb, partial)
        os.replace(partial, path)
    except (OSError, sqlite3.Error) as error:
        if partial.parent.is_dir():
            partial.unlink(missing_ok=True)
        raise IndexUnavailable(f"cannot build the search index at {path}: {error}") from error


def _write(kb: KnowledgeBase, path: Path) -> None:
    import sqlite_utils  # only builds need it; a serving process with a current index does not

    db = sqlite_utils.Database(path)
    # A partial file, renamed into place only when complete: no journal, no fsync per batch.
    db.execute("pragma journal_mode = off")
    db.execute("pragma synchronous = off")
    try:
        docs = list(documents(kb))
        entries = db.table("entries")
        entries.create(
            {
                "id": str,
                "kind": str,
                "title": str,
                "keywords": str,
                "body": str,
                "answer": str,
                "lead": str,
                "sources": str,
            },
            pk="id",
        )
        entries.insert_all(
            (
                {
                    "id": d.id,
                    "kind": d.kind,
                    "title": d.title,
                    "keywords": d.keywords,
                    "body": d.body,
                    "answer": d.answer,
                    "lead": d.lead,
                    "sources": json.dumps([{"title": s.title, "url": s.url} for s in d.sources]),
                }
                for d in docs
            ),
            pk="id",
        )
        entries.enable_fts(
            ["title", "keywords", "body"], tokenize="porter unicode61 remove_diacritics 2"
        )
        db.table("synonyms").create({"phrase": str, "term": str}, pk="phrase")
        db.table("words").create({"word": str}, pk="word")
        db.table("limits").create({"entry": str, "bound": str})
        db.table("signals").insert_all(
            {"entry": p.code, "signal": signal} for p in kb.pitfalls() for signal in p.signals
        )
        vocabulary = sorted({w for d in docs for w in words(f"{d.title} {d.keywords} {d.body}")})
        db.table("words").insert_all(({"word": w} for w in vocabulary), pk="word")
        db.table("synonyms").insert_all(
            (
                {"phrase": " ".join(words(synonym)), "term": term.term}
                for term in kb.vocabulary
                for synonym in term.synonyms
            ),
            pk="phrase",
            replace=True,
        )
        db.table("limits").insert_all(
            {"entry": d.id, "bound": limit.model_dump_json()}
            for d in docs
            for limit in getattr(kb.entries[d.id].model, "limits", [])
        )
        model = packaged_embedder()
        # Plain executemany: sqlite-utils' per-row checks cost more than the rows themselves.
        db.table("pieces").create({"piece": str, "id": int})
        db.conn.executemany("insert into pieces values (?, ?)", model.pieces.items())
        db.table("passages").create({"entry": str, "passage": str, "vector": bytes})
        db.conn.executemany(
            "insert into passages values (?, ?, ?)",
            ((d.id, text, to_blob(model.embed(text))) for d in docs for text in passages(d)),
        )
        db.conn.commit()
        db.table("meta").insert({"key": "digest", "value": index_digest(kb)}, pk="key")
        db.table("meta").insert({"key": "embedder", "value": MODEL_NAME}, pk="key")
    finally:
        db.close()
