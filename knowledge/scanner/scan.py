"""Running the rules over a set of manifests: findings with their place, minus suppressions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidKnowledgeBase, LimitExceeded, Problem
from knowledge.scanner import registry
from knowledge.scanner.checks import CHECKS, IGNORE, Context
from knowledge.scanner.limits import CLI_LIMITS, Budget, ScanLimits
from knowledge.scanner.resources import Resource, read
from knowledge.schema import SEVERITIES, ScanRule, Severity


@dataclass(frozen=True)
class Finding:
    rule: ScanRule
    resource: Resource
    line: int
    message: str

    @property
    def where(self) -> str:
        r = self.resource
        return f"{r.kind}/{r.namespace}/{r.name}" if r.namespace else f"{r.kind}/{r.name}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    resources: int = 0
    #: The limit that stopped the scan early (also among ``problems``): the report then covers
    #: only what came before it, and callers must not read its silence as "no pitfalls".
    limit: Problem | None = None

    def worst(self) -> Severity | None:
        severities = [f.rule.severity for f in self.findings]
        return max(severities, key=SEVERITIES.index, default=None)

    def reaches(self, threshold: Severity) -> bool:
        """Whether a finding is at least as severe as ``threshold`` (``--fail-on``)."""
        worst = self.worst()
        return worst is not None and SEVERITIES.index(worst) >= SEVERITIES.index(threshold)


class Scanner:
    """The rules of a knowledge base, ready to run on any number of manifests.

    Raises ``InvalidKnowledgeBase`` when a rule has no check (or a check no rule), so no rule is
    ever dropped in silence; ``meshbot kb check`` reports the same problems first."""

    def __init__(self, kb: KnowledgeBase) -> None:
        problems = registry.problems(kb)
        if problems:
            raise InvalidKnowledgeBase(problems)
        self.rules: dict[str, ScanRule] = {r.id: r for r in kb.scan_rules()}
        self.root_validity_seconds = registry.root_validity_seconds(kb)

    def scan(
        self,
        documents: Iterable[tuple[Path, str]],
        ignore: Sequence[str] = (),
        limits: ScanLimits = CLI_LIMITS,
    ) -> Report:
        """Findings for the manifests, within ``limits``: a limit reached ends the scan with
        ``report.limit`` set (the rules still run over the resources read until then); the time
        budget running out raises ``ScanTimeout``."""
        report = Report()
        budget = Budget(limits)
        resources: list[Resource] = []
        try:
            for path, text in documents:
                for resource in read(path, text, report.problems, budget):
                    resources.append(resource)
        except LimitExceeded as reached:
            report.limit = reached.problem
        report.resources = len(resources)
        context = Context.of(resources, self.root_validity_seconds)
        skipped = set(ignore)
        try:
            for rule_id, check in CHECKS.items():
                budget.check_time()
                rule = self.rules[rule_id]
                if _named(rule, skipped):
                    continue
                inputs = [r for r in resources if r.kind in rule.kinds]  # its declared inputs
                for hit in check(inputs, context):
                    if _suppressed(hit.resource, rule):
                        continue
                    r = hit.resource
                    line = r.line(*hit.loc)
                    budget.spend_finding(r.path, line)
                    message = rule.message.format(
                        kind=r.kind, namespace=r.namespace or "-", name=r.name, detail=hit.detail
                    )
                    report.findings.append(Finding(rule, r, line, message))
        except LimitExceeded as reached:
            report.limit = report.limit or reached.problem
        if report.limit is not None:
            report.problems.append(report.limit)
        report.findings.sort(key=lambda f: (str(f.resource.path), f.line, f.rule.id))
        return report


def _suppressed(resource: Resource, rule: ScanRule) -> bool:
    return _named(rule, {c.strip() for c in resource.annotations().get(IGNORE, "").split(",")})


def _named(rule: ScanRule, codes: set[str]) -> bool:
    """A rule is named by its id, its pitfall's code, or its id's prefix (MESH-X001)."""
    return any(code and (rule.id == code or rule.id.startswith(f"{code}-")) for code in codes)
