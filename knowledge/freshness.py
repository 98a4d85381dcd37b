"""What in the knowledge base has gone stale as of a given day (``meshbot kb stale``).

Three things rot: an entry nobody has checked against its sources for too long; an entry whose
``applies_to`` ranges cover only releases that are past end of life (advice for software nobody
should run); and a product whose newest listed release is so old that newer ones have surely
shipped without our noticing. The day is a parameter so that tests pass a fixed one and never rot.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from engine.versions import AppliesTo
from knowledge.base import KnowledgeBase, Located
from knowledge.errors import Problem

DEFAULT_MAX_AGE = dt.timedelta(days=180)
_AGE = re.compile(r"^(\d{1,4})([dw])$")


def parse_age(text: str) -> dt.timedelta:
    """'180d' or '26w' → a timedelta; anything else is a ``ValueError``."""
    match = _AGE.match(text.strip())
    if match is None:
        raise ValueError(f"not an age like 180d or 26w: {text!r}")
    count, unit = int(match.group(1)), match.group(2)
    return dt.timedelta(days=count * (7 if unit == "w" else 1))


def stale(kb: KnowledgeBase, as_of: dt.date, max_age: dt.timedelta) -> list[Problem]:
    """Every stale item, as ``file:line: message`` problems, in file order."""
    problems = [p for item in kb.entries.values() for p in _entry(kb, item, as_of, max_age)]
    problems += list(_products(kb, as_of, max_age))
    return sorted(problems, key=lambda p: (str(p.path), p.line))


def _entry(
    kb: KnowledgeBase, item: Located, as_of: dt.date, max_age: dt.timedelta
) -> Iterator[Problem]:
    reviewed: dt.date = item.model.reviewed
    if as_of - reviewed > max_age:
        yield item.problem(
            ("reviewed",),
            f"{item.id}: last reviewed {reviewed.isoformat()}, "
            f"{(as_of - reviewed).days} days before {as_of.isoformat()}",
        )
    ranges: list[AppliesTo] = list(item.model.applies_to)
    for product in dict.fromkeys(scope.product for scope in ranges):
        mine = [scope for scope in ranges if scope.product == product]
        if _only_end_of_life(kb, mine, as_of):
            described = "; ".join(str(scope) for scope in mine)
            yield item.problem(
                ("applies_to", ranges.index(mine[0])),
                f"{item.id}: applies only to {described}, all past end of life on "
                f"{as_of.isoformat()}",
            )


def _only_end_of_life(kb: KnowledgeBase, ranges: list[AppliesTo], as_of: dt.date) -> bool:
    """True when an entry's ranges for one product hold for no release still supported: a
    range for older releases beside a current one is the alternative for them, not rot."""
    product = kb.releases.get(ranges[0].product)
    if product is None:
        return False
    covered = [
        r
        for r in product.releases
        if r.released <= as_of and any(scope.covers(r.version) for scope in ranges)
    ]
    return bool(covered) and all(r.eol_on(as_of) for r in covered)


def _products(kb: KnowledgeBase, as_of: dt.date, max_age: dt.timedelta) -> Iterator[Problem]:
    last = {located.id: located for located in kb.release_entries}  # where to add a release
    for product_id, located in last.items():
        product = kb.releases[product_id]  # merged across every releases.yaml
        newest = product.newest
        window = max_age + dt.timedelta(days=product.release_every_days)
        if as_of - newest.released > window:
            yield located.problem(
                ("releases",),
                f"{product.id}: newest listed release {newest.version} "
                f"({newest.released.isoformat()}) is older than {window.days} days "
                "(--max-age plus its usual release gap); newer releases are probably missing",
            )
