"""Running the rules over a set of manifests: findings with their place, minus suppressions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from knowledge.base import KnowledgeBase
from knowledge.errors import InvalidKnowledgeBase, LimitExceeded, Problem
from knowledge.scanner import registry
from knowledge.scanner.checks import CHECKS, CONTEXT_KINDS, IGNORE, NEEDLES, Context, Fact
from knowledge.scanner.limits import CLI_LIMITS, Budget, ScanLimits
from knowledge.scanner.resources import STDIN, Resource, read
from knowledge.scanner.versions import Versions
from knowledge.schema import SEVERITIES, ScanRule, Severity

#: Which resources are read together for facts that span resources (which namespaces are
#: injected, which mTLS mode is in force): each directory (and each stream on stdin, one
#: ``kustomize build`` or ``helm template`` render) on its own; each file; or all of them.
ContextScope = Literal["per-dir", "per-file", "one"]


@dataclass(frozen=True)
class Finding:
    rule: ScanRule
    resource: Resource
    line: int
    message: str
    #: The facts from other resources (or the command line) the finding relies on.
    because: tuple[Fact, ...] = ()

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

    @property
    def incomplete(self) -> bool:
        """Whether input was skipped (not YAML, not a resource) or nothing was scanned at all:
        a CI job must not read either as "no pitfalls"."""
        return bool(self.problems) or self.resources == 0


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
        #: What documents must hold to be built (``read``); None builds every document.
        self.needles: Mapping[str, tuple[str, ...] | None] | None = _needles(self.rules.values())

    def scan(
        self,
        documents: Iterable[tuple[Path, str]],
        ignore: Sequence[str] = (),
        limits: ScanLimits = CLI_LIMITS,
        scope: ContextScope = "per-dir",
        assumed: Sequence[Resource | str] = (),
        now: dt.datetime | None = None,
        versions: Versions | None = None,
    ) -> Report:
        """Findings for the manifests, within ``limits``: a limit reached ends the scan with
        ``report.limit`` set (the rules still run over the resources read until then); the time
        budget running out raises ``ScanTimeout``. Facts that span resources are drawn within
        each ``scope`` group, plus ``assumed`` (see ``Context.of``). Certificate lifetimes are
        measured at ``now`` (default: the clock, read once for the whole scan); version-bound
        rules read the stated ``versions``."""
        now = now or dt.datetime.now(dt.UTC)
        report = Report()
        budget = Budget(limits)
        groups: dict[str, list[Resource]] = {}
        try:
            for path, text in documents:
                group = groups.setdefault(_group(path, scope), [])
                group.extend(read(path, text, report.problems, budget, self.needles))
        except LimitExceeded as reached:
            report.limit = reached.problem
        report.resources = budget.resources  # with those of kinds no rule reads
        skipped = set(ignore)
        try:
            for resources in groups.values():
                context = Context.of(resources, self.root_validity_seconds, assumed, now, versions)
                self._check(resources, context, skipped, budget, report)
        except LimitExceeded as reached:
            report.limit = report.limit or reached.problem
        if report.limit is not None:
            report.problems.append(report.limit)
        report.findings.sort(key=lambda f: (str(f.resource.path), f.line, f.rule.id))
        return report

    def _check(
        self,
        resources: list[Resource],
        context: Context,
        skipped: set[str],
        budget: Budget,
        report: Report,
    ) -> None:
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
                report.findings.append(Finding(rule, r, line, message, hit.because))


def _needles(rules: Iterable[ScanRule]) -> dict[str, tuple[str, ...] | None]:
    """Per kind anything reads, the words one of which a document must hold to matter (None:
    it always matters). Kinds absent are read by nothing: checked to be YAML and counted."""
    needles: dict[str, tuple[str, ...] | None] = dict.fromkeys(CONTEXT_KINDS)
    for rule in rules:
        for kind in rule.kinds:
            words = NEEDLES.get(rule.id)
            known = needles.get(kind, ())
            needles[kind] = None if words is None or known is None else (*known, *words)
    return needles


def _group(path: Path, scope: ContextScope) -> str:
    if scope == "one":
        return ""
    return str(path if scope == "per-file" or path == STDIN else path.parent)


def _suppressed(resource: Resource, rule: ScanRule) -> bool:
    return _named(rule, {c.strip() for c in resource.annotations().get(IGNORE, "").split(",")})


def _named(rule: ScanRule, codes: set[str]) -> bool:
    """A rule is named by its id, its pitfall's code, or its id's prefix (MESH-X001)."""
    return any(code and (rule.id == code or rule.id.startswith(f"{code}-")) for code in codes)
