"""How much work one scan may do, in one place.

A few hundred bytes of YAML can ask for unbounded work: an alias chain expands to billions of
nodes when turned into text, Lists nested through aliases multiply resources, one aliased
Service multiplies findings. Every such count is bounded here, and a scan that passes a bound
stops with a problem that names it, instead of hanging the process. The command line scans the
user's own files and gets the generous ``CLI_LIMITS``; anything a stranger can send (HTTP, Slack)
gets the stricter ``REQUEST_LIMITS`` and a time budget (``seconds``, from
``MESHBOT_SCAN_TIMEOUT_SECONDS``; the command line only with ``--timeout``).

The alias bounds follow Kubernetes' own YAML decoding: go-yaml v2, as vendored in
kubernetes-sigs/yaml ``goyaml.v2/decode.go`` (commit 63d028ee, ``allowedAliasRatio`` and
``decoder.alias``), counts every decoded node and those decoded inside an alias, and fails
"document contains excessive aliasing" once more than 100 aliased nodes make up more than 99 %
of up to 400,000 decodes (the allowed share falls to 10 % at 4,000,000, "~100MB of allocations
in worst-case scenarios"); it fails "anchor ... value contains itself" for a recursive alias.
We bound the same quantity, nodes that exist only through aliases, at the 400,000 it tolerates
(100,000 for strangers), plus the number of alias uses; and we count on the composed node graph
before anything is constructed, so the check is linear in the nodes as written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import LimitExceeded, Problem, ScanTimeout

#: The clock the time budget reads; a module attribute so tests can advance it deterministically.
clock = time.monotonic


@dataclass(frozen=True)
class ScanLimits:
    """Upper bounds on one scan (one CLI run, one HTTP request, one Slack message)."""

    #: YAML documents across all inputs (``---`` separated); empty ones count too.
    documents: int = 100_000
    #: Alias uses (``*name``, including ``<<: *defaults``) across all inputs.
    aliases: int = 10_000
    #: Nodes that exist only because an alias repeats its anchor's value, across all inputs.
    #: 400,000 is where Kubernetes' decoder starts refusing alias-heavy documents.
    alias_nodes: int = 400_000
    #: How deep ``kind: *List`` may nest inside another List (kubectl emits one level).
    list_depth: int = 2
    #: Resources read across all inputs.
    resources: int = 100_000
    #: Findings reported; the scan stops at the first one past this.
    findings: int = 100_000
    #: Time budget in seconds, checked between documents, resources and checks; None: none.
    seconds: float | None = None


#: For the user's own files (``meshbot scan``): far above any real repository or cluster dump.
CLI_LIMITS = ScanLimits()

#: For input from strangers (``POST /v1/scan``, Slack): a 64 KiB body of real manifests holds a
#: few hundred resources, so these leave room for honest use and none for amplification.
REQUEST_LIMITS = ScanLimits(
    documents=1_000, aliases=1_000, alias_nodes=100_000, resources=2_000, findings=2_000
)


class Budget:
    """One scan's spending against its limits: each ``spend_*`` raises once a limit is passed,
    and every one also checks the time budget, so the scanner stops cooperatively between
    documents, resources and checks."""

    def __init__(self, limits: ScanLimits) -> None:
        self.limits = limits
        self.deadline = None if limits.seconds is None else clock() + limits.seconds
        self.documents = self.aliases = self.alias_nodes = self.resources = self.findings = 0

    def check_time(self) -> None:
        if self.deadline is not None and clock() > self.deadline:
            raise ScanTimeout(self.limits.seconds or 0.0)

    def spend_document(self, path: Path, line: int, aliases: int, alias_nodes: int) -> None:
        """Count one document and what its aliases add, before it is constructed."""
        self.check_time()
        self.documents += 1
        self.aliases += aliases
        self.alias_nodes += alias_nodes
        limits = self.limits
        if self.documents > limits.documents:
            self._stop(path, line, f"more than {limits.documents:,} YAML documents")
        if self.aliases > limits.aliases:
            self._stop(path, line, f"more than {limits.aliases:,} YAML aliases")
        if self.alias_nodes > limits.alias_nodes:
            self._stop(path, line, f"YAML aliases expand to more than {limits.alias_nodes:,} nodes")

    def enter_list(self, path: Path, line: int, depth: int) -> None:
        if depth > self.limits.list_depth:
            self._stop(path, line, f"Lists nested more than {self.limits.list_depth} deep")

    def spend_resource(self, path: Path, line: int) -> None:
        self.check_time()
        if self.resources >= self.limits.resources:
            self._stop(path, line, f"more than {self.limits.resources:,} resources")
        self.resources += 1  # only resources read: the scan's count

    def spend_finding(self, path: Path, line: int) -> None:
        self.check_time()
        self.findings += 1
        if self.findings > self.limits.findings:
            self._stop(path, line, f"more than {self.limits.findings:,} findings")

    @staticmethod
    def _stop(path: Path, line: int, what: str) -> None:
        message = f"{what}: scan limit reached; rest of scan skipped"
        raise LimitExceeded(Problem(path, line, message))
