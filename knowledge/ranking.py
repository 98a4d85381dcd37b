"""How evidence about a question becomes an order and a confidence: two small learned models.

Hand-weighted blends of word coverage, BM25 and embedding similarity ranked well on the
questions they were tuned on and badly on questions phrased from real issue reports (pasted
logs, version numbers, conversational tails), and their "confidence" did not separate right
answers from wrong ones. So the weights are learned instead, from labelled questions
(``python -m tests.support.ranker_training`` fits them and writes ``ranker.json``):

1. **Relevance** — a logistic model over each candidate's evidence (``CANDIDATE_FEATURES``):
   the probability that this entry is a right first answer. It orders the results.
2. **Answer confidence** — a logistic model over what the question and its best candidate look
   like together (``ANSWER_FEATURES``: how sure the first model is, its lead over the second,
   how much of the question the index has never seen, ...): the probability that the first
   result is right. That is the confidence shown, and the thresholds in ``knowledge.search``
   are chosen on it (98% right above the confident one).

Both are a dot product and a logistic function: microseconds per question, no dependency, and
every weight readable in the JSON file. The feature names are stored with the weights, so a model
trained for other features is refused instead of silently misread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge.errors import IndexUnavailable

#: Entry kinds that get a feature of their own; any other kind shares the zero row.
KINDS = ("pitfall", "comparison", "threshold", "anti-pattern", "correction", "fact")

CANDIDATE_FEATURES = (
    "coverage",  # IDF-weighted share of the question's concepts the entry contains
    "in_title",  # ... that its title or keywords name
    "bm25",  # BM25 score relative to the best candidate's (0 when not a BM25 candidate)
    "bm25_rank",  # 1 / (1 + BM25 rank)
    "fuzzy",  # fuzzy match of the question against title and keywords
    "semantic",  # cosine similarity of the closest passage to the question
    "semantic_rank",  # 1 / (1 + rank by that similarity)
    "semantic_z",  # that similarity in standard deviations above the mean over all entries
    "phrases",  # how many of the entry's keyword phrases the question contains (3 or more: 1)
    "title_words",  # share of the entry's title words the question contains
    "missing",  # IDF weight of the rarest indexed concept of the question it lacks
    "signal",  # the question contains an error signal that only this runbook lists
    "comparison",  # a comparison table, and the question asks for a comparison
    *(f"kind_{kind}" for kind in KINDS),
)

ANSWER_FEATURES = (
    "relevance",  # the relevance model's score (log-odds) for the first result
    "lead",  # ... minus the second result's
    "coverage",  # the first result's coverage of the question
    "semantic",  # ... and similarity to it
    "semantic_z",  # ... against the question's similarity to every entry
    "agreement",  # 1 when BM25 and the embedding also put the first result first, 0.5 one
    "unknown",  # IDF-weighted share of the question's concepts no entry contains
    "concepts",  # log(1 + number of concepts): long pasted logs differ from short questions
    "missing",  # the first result's rarest missing concept
    "signal",  # the first result was named by an error signal only it lists
    "comparison",  # ... is a comparison table answering a comparison
)

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model: standardise each feature, then ``sigmoid(w · x + b)``."""

    features: tuple[str, ...]
    mean: Matrix
    scale: Matrix
    weights: Matrix
    bias: float

    def score(self, rows: Matrix) -> Matrix:
        """The log-odds per row of ``rows`` (one row per candidate or question)."""
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, rows: Matrix) -> Matrix:
        return sigmoid(self.score(rows))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> Logistic:
        features = tuple(data["features"])
        if features != expected:
            raise IndexUnavailable(
                f"ranker.json was trained for features {features}, the search computes "
                f"{expected}: retrain it with python -m tests.support.ranker_training"
            )
        return cls(
            features,
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["weights"], dtype=np.float64),
            float(data["bias"]),
        )


def sigmoid(z: Matrix) -> Matrix:
    return 1.0 / (1.0 + np.exp(-z))


def _standardisation(rows: Matrix) -> tuple[Matrix, Matrix]:
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def _newton(z: Matrix, labels: Matrix, l2: float) -> Matrix:
    """Logistic regression weights for standardised rows ``z`` by Newton's method:
    deterministic (the same data gives the same weights on every machine), with an L2 penalty
    so that rare features stay modest."""
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2 * len(z)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - labels) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return w


def fit(rows: Matrix, labels: Matrix, features: tuple[str, ...], l2: float = 0.01) -> Logistic:
    """A pointwise model: the probability that a row's label is 1 (the bias is not penalised
    much: one column of ones among many)."""
    mean, scale = _standardisation(rows)
    z = np.column_stack([(rows - mean) / scale, np.ones(len(rows))])
    w = _newton(z, labels, l2)
    return Logistic(features, mean, scale, w[:-1], float(w[-1]))


def fit_pairwise(
    groups: list[tuple[Matrix, npt.NDArray[np.bool_]]], features: tuple[str, ...], l2: float = 0.001
) -> Logistic:
    """A ranking model: weights under which, within each question (a group of candidate rows
    and whether each is right), right candidates score above wrong ones. Learning from pairs
    optimises the order itself, which is what the relevance model is for; its probabilities
    are only an ordering score (``score``), which the answer model turns into a calibrated
    confidence."""
    mean, scale = _standardisation(np.vstack([rows for rows, _ in groups]))
    pairs = []
    for rows, right in groups:
        z = (rows - mean) / scale
        if right.any() and not right.all():
            pairs.append((z[right][:, None, :] - z[~right][None, :, :]).reshape(-1, z.shape[1]))
    d = np.vstack(pairs)
    labels = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    return Logistic(features, mean, scale, _newton(np.vstack([d, -d]), labels, l2), 0.0)


@dataclass(frozen=True)
class Ranker:
    """Both models and the two thresholds chosen on the answer model's output: below
    ``answer_threshold`` the search says "I don't know"; from ``confident_threshold`` on, answers
    were right at least 98% of the time on the calibration questions."""

    relevance: Logistic
    answer: Logistic
    answer_threshold: float
    confident_threshold: float
    trained_on: tuple[str, ...]


MODEL_FILE = "ranker.json"


@cache
def packaged_ranker() -> Ranker:
    """The ranker shipped with the package (``knowledge/ranker.json``)."""
    text = resources.files("knowledge").joinpath(MODEL_FILE).read_text(encoding="utf-8")
    return ranker_from_json(json.loads(text))


def ranker_from_json(data: dict[str, Any]) -> Ranker:
    return Ranker(
        Logistic.from_json(data["relevance"], CANDIDATE_FEATURES),
        Logistic.from_json(data["answer"], ANSWER_FEATURES),
        float(data["answer_threshold"]),
        float(data["confident_threshold"]),
        tuple(data["trained_on"]),
    )


def ranker_to_json(ranker: Ranker) -> dict[str, Any]:
    return {
        "trained_on": list(ranker.trained_on),
        "answer_threshold": round(ranker.answer_threshold, 6),
        "confident_threshold": round(ranker.confident_threshold, 6),
        "relevance": ranker.relevance.to_json(),
        "answer": ranker.answer.to_json(),
    }


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (1.0 + rank)
