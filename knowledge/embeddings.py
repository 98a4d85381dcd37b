"""A static embedding model that ships inside a PyPI package, read without a network.

Why this model: the search must answer in under 2 ms at p99 *including* embedding the
question, and ``meshbot serve`` must stay under 120 MB resident. A transformer (MiniLM,
bge-small) runs six or more layers per question and carries 90+ MB of float32 weights, which
breaks both budgets on its own. A static model looks up one vector per token and averages them:
tens of microseconds per question. WordLlama's ``l2_supercat`` (MIT, trained on Llama 2's token
embeddings for sentence similarity) ships its 32,000 × 256 float16 table *inside* the
``wordllama`` wheel, so nothing is downloaded at run time. The table is memory-mapped from the
installed file: only the pages of tokens actually asked about become resident, and they are
shared between processes. The tokenizer is the one shipped beside it, run by ``tokenizers``.

Only the two data files are read; the ``wordllama`` package itself is not imported (its loader
would try to download the tokenizer from the Hugging Face hub, and its imports cost memory).
"""

from __future__ import annotations

import importlib.util
import json
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from knowledge.errors import IndexUnavailable

#: Recorded in the index: vectors built by one model are never compared with another's.
MODEL_NAME = "wordllama/l2_supercat_256"
DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
#: A question is at most 1,000 characters; more tokens than this add nothing but time.
MAX_TOKENS = 256

Vectors = npt.NDArray[np.float32]


def _package_dir() -> Path:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise IndexUnavailable("the embedding model is missing: pip install wordllama")
    return Path(next(iter(spec.submodule_search_locations)))


def _table(path: Path) -> npt.NDArray[np.float16]:
    """Map the safetensors table: an 8-byte header length, a JSON header, then raw rows."""
    with path.open("rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    tensor = header["embedding.weight"]
    if tensor["dtype"] != "F16" or tensor["shape"][1] != DIMENSIONS:
        raise IndexUnavailable(f"unexpected embedding table in {path}: {tensor}")
    start, _ = tensor["data_offsets"]
    return np.memmap(
        path, dtype=np.float16, mode="r", offset=8 + length + start, shape=tuple(tensor["shape"])
    )


class Embedder:
    """Text to unit vectors: the mean of the token vectors, as WordLlama computes it."""

    def __init__(self) -> None:
        root = _package_dir()
        try:
            self._table = _table(root / _WEIGHTS)
            self._tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
        except (OSError, ValueError, KeyError) as error:
            raise IndexUnavailable(f"cannot read the embedding model: {error}") from error
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self.embed = lru_cache(maxsize=4096)(self._embed)

    def _embed(self, text: str) -> Vectors:
        """One text's unit vector (all zeros for a text with no tokens). Lower-cased, because
        people type ``ISTIO``, ``Istio`` and ``istio`` for the same thing."""
        ids = self._tokenizer.encode(text.lower(), add_special_tokens=False).ids
        if not ids:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        vector: Vectors = self._table[ids].astype(np.float32).mean(axis=0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_many(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._embed(text) for text in texts])


@lru_cache(maxsize=1)
def embedder() -> Embedder:
    """One embedder per process: the table is mapped once and shared by every searcher."""
    return Embedder()


def to_blob(vector: Vectors) -> bytes:
    """Stored as float16: half the bytes, and the model's own precision."""
    return vector.astype(np.float16).tobytes()


def from_blobs(blobs: list[bytes]) -> Vectors:
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.stack([np.frombuffer(b, dtype=np.float16) for b in blobs]).astype(np.float32)
