"""Rules and checks as one registry, checked like any other knowledge.

A scan rule is two halves: its words (id, severity, message, remediation) in a ``rules.yaml``,
and the Python check that finds it (``CHECKS``). Either half alone is a mistake that used to be
silent: an organisation's rule without a check passed ``kb check`` and then never ran. Here each
lonely half is a ``Problem`` at ``file:line``, like a schema error, so ``meshbot kb check`` fails
and the service refuses to start on it (the same rule as Istio's analyzer registry,
``pkg/config/analysis/analyzers/all.go``, where a message with no analyzer cannot be emitted).

The facts a check reads from the knowledge base are validated here too, instead of being looked
up blindly when the first scan runs.
"""

from __future__ import annotations

from collections.abc import Iterator

from knowledge.base import BUILTIN_DIR, KnowledgeBase
from knowledge.errors import Problem
from knowledge.scanner.checks import CHECKS, seconds

#: The knowledge entry giving istiod's default root certificate validity (MESH-P005-R01).
ROOT_VALIDITY = "fact.istiod-root-ca-validity"


def problems(kb: KnowledgeBase) -> list[Problem]:
    """Every rule without a check, check without a rule, and missing or unusable fact."""
    return [*_unpaired(kb), *_fact_problems(kb)]


def root_validity_seconds(kb: KnowledgeBase) -> float:
    """istiod's default root CA validity; call only on a knowledge base ``problems`` passed."""
    quantity = kb.entries[ROOT_VALIDITY].model.quantity
    found = seconds(quantity.midpoint, quantity.unit)
    assert found is not None  # guaranteed by _fact_problems
    return found


def _unpaired(kb: KnowledgeBase) -> Iterator[Problem]:
    rules = {item.id: item for item in kb.entries.values() if item.kind == "rule"}
    for rule_id, item in rules.items():
        if rule_id not in CHECKS:
            yield item.problem(
                ("id",),
                f"scan rule {rule_id!r} has no check in meshbot's scanner, so it would never run "
                f"(rules with a check: {', '.join(sorted(CHECKS))})",
            )
    for check_id in CHECKS:
        if check_id not in rules:
            yield Problem(
                BUILTIN_DIR / "rules.yaml",
                1,
                f"the scanner has a check for {check_id!r} but no rule describes it",
            )


def _fact_problems(kb: KnowledgeBase) -> Iterator[Problem]:
    item = kb.get(ROOT_VALIDITY)
    if item is None:
        yield Problem(
            BUILTIN_DIR / "facts.yaml",
            1,
            f"the scanner needs entry {ROOT_VALIDITY!r} (rule MESH-P005-R01), which is missing",
        )
        return
    quantity = getattr(item.model, "quantity", None)
    if quantity is None:
        yield item.problem(("id",), f"{ROOT_VALIDITY} needs a quantity for the scanner")
    elif seconds(quantity.midpoint, quantity.unit) is None:
        yield item.problem(
            ("quantity", "unit"),
            f"{ROOT_VALIDITY}: unit {quantity.unit!r} is not a duration the scanner reads "
            "(e.g. years, days, hours)",
        )
