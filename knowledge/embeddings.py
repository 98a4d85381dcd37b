"""A static embedding model that ships inside a PyPI package, read without a network.

Why this model: the search must answer in under 2 ms at p99 *including* embedding the
question, and ``meshbot serve`` must stay under 120 MB resident. A transformer (MiniLM,
bge-small) runs six or more layers per question and carries 90+ MB of float32 weights, which
breaks both budgets on its own. A static model looks up one vector per token and averages them:
tens of microseconds per question. WordLlama's ``l2_supercat`` (MIT, trained on Llama 2's token
embeddings for sentence similarity) ships its 32,000 × 256 float16 table *inside* the
``wordllama`` wheel, so nothing is downloaded at run time. Rows are read from the installed file as
questions need them (``_Table``), so the table never becomes resident memory of the service.

The tokenizer is Llama 2's byte-fallback BPE, shipped beside the table as a ``tokenizers``
JSON file. Loading it with the ``tokenizers`` library costs 22 MB resident, more than half the
memory budget, so it is run here in a few lines of Python instead: words split at spaces, then
adjacent symbols merged while their concatenation is a vocabulary piece, lowest id first (Llama's
piece ids follow its merge order). ``kb build`` copies the 32,000 pieces into the index, where
a serving process reads them; tests/test_search_intent.py checks that the tokens equal the
``tokenizers`` library's on every indexed passage and evaluation question.

Only the two data files are read; the ``wordllama`` package itself is not imported (its loader
would try to download the tokenizer from the Hugging Face hub, and its imports cost memory).
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.errors import IndexUnavailable

#: Recorded in the index: vectors built by one model are never compared with another's.
MODEL_NAME = "wordllama/l2_supercat_256"
DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
#: A question is at most 1,000 characters; more tokens than this add nothing but time.
MAX_TOKENS = 256
SPACE = "\u2581"  # SentencePiece's visible space, prefixed to every word

Vectors = npt.NDArray[np.float32]


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise IndexUnavailable("the embedding model is missing: pip install wordllama")
    return Path(next(iter(spec.submodule_search_locations)))


def tokenizer_file() -> Path:
    return _package_dir() / _TOKENIZER


def packaged_pieces() -> dict[str, int]:
    """The tokenizer's vocabulary (piece → id), read from the package by ``kb build``."""
    try:
        config = json.loads(tokenizer_file().read_text(encoding="utf-8"))
        vocabulary: dict[str, int] = config["model"]["vocab"]
    except (OSError, ValueError, KeyError) as error:
        raise IndexUnavailable(f"cannot read the embedding model's tokenizer: {error}") from error
    return vocabulary


class _Table:
    """The safetensors table (an 8-byte header length, a JSON header, then raw float16 rows),
    read a row at a time with ``pread``. A memory map would be faster by microseconds but every
    row it touched would stay in the process's resident memory (up to the whole 16 MB); the
    operating system's page cache keeps the rows read often just as well, outside it."""

    def __init__(self, path: Path) -> None:
        try:
            with path.open("rb") as file:
                (length,) = struct.unpack("<Q", file.read(8))
                tensor = json.loads(file.read(length))["embedding.weight"]
            if tensor["dtype"] != "F16" or tensor["shape"][1] != DIMENSIONS:
                raise ValueError(f"unexpected embedding table {tensor}")
            self._fd = os.open(path, os.O_RDONLY)
        except (OSError, ValueError, KeyError) as error:
            raise IndexUnavailable(f"cannot read the embedding model: {error}") from error
        self._start = 8 + length + tensor["data_offsets"][0]
        self._row_bytes = DIMENSIONS * 2

    def rows(self, ids: list[int]) -> npt.NDArray[np.float16]:
        data = b"".join(
            os.pread(self._fd, self._row_bytes, self._start + i * self._row_bytes) for i in ids
        )
        return np.frombuffer(data, dtype=np.float16).reshape(len(ids), DIMENSIONS)


@lru_cache(maxsize=1)
def _table() -> _Table:
    """One open table per process, shared by every embedder."""
    return _Table(_package_dir() / _WEIGHTS)


class Embedder:
    """Text to unit vectors: the mean of the token vectors, as WordLlama computes it."""

    def __init__(self, pieces: dict[str, int]) -> None:
        self.pieces = pieces
        self._table = _table()
        # Words recur across questions, so their tokens are kept (bounded); whole questions
        # are not: every search embeds its question afresh (about 75 µs), so a benchmark that
        # repeats its questions measures the work a new question costs.
        self._word_ids = lru_cache(maxsize=4096)(self._bpe)

    def token_ids(self, text: str) -> list[int]:
        """Llama's BPE over the lower-cased text, word by word, at most MAX_TOKENS ids."""
        ids: list[int] = []
        for word in text.lower().split():
            ids.extend(self._word_ids(SPACE + word))
            if len(ids) >= MAX_TOKENS:
                return ids[:MAX_TOKENS]
        return ids

    def _bpe(self, word: str) -> tuple[int, ...]:
        pieces = self.pieces
        symbols = [
            piece
            for ch in word
            for piece in ([ch] if ch in pieces else [f"<0x{b:02X}>" for b in ch.encode()])
        ]
        while len(symbols) > 1:
            merged = [pieces.get(a + b) for a, b in pairwise(symbols)]
            candidates = [(rank, i) for i, rank in enumerate(merged) if rank is not None]
            if not candidates:
                break
            _, i = min(candidates)
            symbols[i : i + 2] = [symbols[i] + symbols[i + 1]]
        return tuple(pieces[s] for s in symbols)

    def embed(self, text: str) -> Vectors:
        """One text's unit vector (all zeros for a text with no tokens). Lower-cased, because
        people type ``ISTIO``, ``Istio`` and ``istio`` for the same thing."""
        ids = self.token_ids(text)
        if not ids:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        vector: Vectors = self._table.rows(ids).astype(np.float32).mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector


@lru_cache(maxsize=1)
def packaged_embedder() -> Embedder:
    """The embedder ``kb build`` uses, kept per process: its word cache makes the next build
    (tests and benches build many) skip the tokenizing."""
    return Embedder(packaged_pieces())


def to_blob(vector: Vectors) -> bytes:
    """Stored as float16: half the bytes, and the model's own precision."""
    return vector.astype(np.float16).tobytes()


def from_blobs(blobs: list[bytes]) -> Vectors:
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([np.frombuffer(b, dtype=np.float16) for b in blobs]).astype(np.float32)
