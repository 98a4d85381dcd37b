"""Answers that say which releases they hold for, when the question names one.

"We're on 1.22", "k8s 1.30", "linkerd 2.15": a question that names a release should get the
advice for that release. The ranker is left alone (retrieval is reworked elsewhere); this runs
on its results: entries whose ``applies_to`` covers the release named keep their place, entries
that do not hold for it move below those that do (when one does), and the first answer opens
with what differs — the range that does or does not cover the release, that range's note (the
alternative for older releases), and whether the release is past end of life.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from engine.versions import PRODUCT_NAMES, AppliesTo, Product, version_key
from knowledge.base import KnowledgeBase
from knowledge.search import Answer, Hit

_PRODUCT_WORDS: dict[str, Product] = {
    "istio": "istio",
    "linkerd": "linkerd",
    "cilium": "cilium",
    "kubernetes": "kubernetes",
    "k8s": "kubernetes",
    "kubelet": "kubernetes",
    "kernel": "kernel",
}
#: A release: "1.22", "v1.30.2", optionally right after a product word; not a quantity ("0.2 ms").
_RELEASE = re.compile(
    r"\b(?:(istio|linkerd|cilium|kubernetes|k8s|kubelet|kernel)\s+)?v?(\d{1,2}\.\d{1,2})(?:\.\d+)?"
    r"(?![\d.]|\s*(?:ms|s|mb|gb|gib|mib|vcpu|cpu|cores?|%|x|req|rps|percent|days?|hours?)\b)",
    re.IGNORECASE,
)
MAX_MENTIONS = 3


@dataclass(frozen=True)
class Mention:
    product: Product
    version: str


def mentions(question: str) -> list[Mention]:
    """The releases a question names. A bare version takes the product the question names
    elsewhere, else the one its numbering belongs to (2.x Linkerd, 4.x–6.x the kernel, 1.x Istio).
    """
    lowered = question.lower()
    named = [p for word, p in _PRODUCT_WORDS.items() if re.search(rf"\b{word}\b", lowered)]
    found: list[Mention] = []
    for match in _RELEASE.finditer(question):
        word, version = match.group(1), match.group(2)
        if word:
            product = _PRODUCT_WORDS[word.lower()]
        elif len(set(named)) == 1:
            product = named[0]
        else:
            product = _by_numbering(version)
        mention = Mention(product, version)
        if mention not in found:
            found.append(mention)
    return found[:MAX_MENTIONS]


def _by_numbering(version: str) -> Product:
    major = int(version.split(".")[0])
    if major == 2:
        return "linkerd"
    if major >= 3:
        return "kernel"
    return "istio"


class VersionAdvisor:
    """Re-reads search results for the releases a question names (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, today: Callable[[], dt.date] = dt.date.today) -> None:
        self._scopes = {
            entry_id: tuple(getattr(located.model, "applies_to", ()) or ())
            for entry_id, located in kb.entries.items()
        }
        self._releases = kb.releases
        self._today = today

    def __call__(self, question: str, answer: Answer) -> Answer:
        named = mentions(question)
        if not named or not answer.results:
            return answer
        holds = {hit.id: self._holds(hit.id, named) for hit in answer.results}
        # An entry that does not hold moves down only when another one does: with nothing
        # better for that release, the best match still answers, with its note saying so.
        ordered = (
            sorted(answer.results, key=lambda hit: holds[hit.id] is False)
            if True in holds.values()
            else list(answer.results)
        )
        notes = [n for m in named for n in self._release_notes(m)]
        notes += [n for hit in ordered for n in self._entry_notes(hit, named)]
        if not notes:
            return replace(answer, results=ordered)
        first = ordered[0]
        block = "\n".join(f"> **For your version:** {note}" for note in notes)
        return replace(
            answer, results=[replace(first, answer=f"{block}\n\n{first.answer}"), *ordered[1:]]
        )

    def _holds(self, entry_id: str, named: list[Mention]) -> bool | None:
        """True if a range covers a named release, False if ranges exist for the product but
        none covers it, None if the entry says nothing about the products named."""
        verdict: bool | None = None
        for mention in named:
            ranges = [s for s in self._scopes.get(entry_id, ()) if s.product == mention.product]
            if not ranges:
                continue
            if any(s.covers(mention.version) for s in ranges):
                verdict = True if verdict is None else verdict
            else:
                verdict = False
        return verdict

    def _entry_notes(self, hit: Hit, named: list[Mention]) -> list[str]:
        notes: list[str] = []
        for mention in named:
            ranges = [s for s in self._scopes.get(hit.id, ()) if s.product == mention.product]
            if not ranges:
                continue
            name = f"{PRODUCT_NAMES[mention.product]} {mention.version}"
            covering = [s for s in ranges if s.covers(mention.version)]
            if not covering:
                scope = "; ".join(_described(s) for s in ranges)
                notes.append(f"{hit.title} does not hold for {name}: it holds for {scope}.")
            elif len(ranges) > 1 or any(s.note for s in covering):
                scope = "; ".join(_described(s) for s in covering)
                notes.append(f"{hit.title} — for {name}: {scope}.")
        return notes

    def _release_notes(self, mention: Mention) -> list[str]:
        product = self._releases.get(mention.product)
        name = f"{PRODUCT_NAMES[mention.product]} {mention.version}"
        if product is None:
            return []
        release = product.find(mention.version)
        newest = product.newest
        today = self._today()
        caveat = f" {product.end_of_life_caveat}" if product.end_of_life_caveat else ""
        if release is None:
            supported = [r for r in product.releases if not r.eol_on(today)]
            oldest = min(supported, key=lambda r: version_key(r.version), default=None)
            if oldest is not None and version_key(mention.version) < version_key(oldest.version):
                return [
                    f"{name} is older than every supported release (oldest supported: "
                    f"{oldest.version}), so past end of life: it gets no upstream fixes.{caveat}"
                ]
            return [f"{name} is not in our release list (newest known: {newest.version})."]
        if release.eol_on(today):
            ended = f" on {release.end_of_life.isoformat()}" if release.end_of_life else ""
            return [
                f"{name} is past end of life{ended}: it gets no upstream fixes. Current is "
                f"{newest.version}; advice here may assume a supported release.{caveat}"
            ]
        return []


def _described(scope: AppliesTo) -> str:
    return str(scope) + (f" ({scope.note})" if scope.note else "")
