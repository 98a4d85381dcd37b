"""Every error the knowledge package raises, so callers can catch one base class.

    KnowledgeError
     ├── InvalidKnowledgeBase   the YAML files are unreadable, malformed or inconsistent
     ├── IndexUnavailable       the search index cannot be written or read
     ├── InvalidQuestion        a question that cannot be searched (empty, too long)
     ├── LimitExceeded          a scan passed one of its limits (knowledge.scanner.limits)
     └── ScanTimeout            a scan ran past its time budget and was stopped

Each carries a message meant for the person who caused it: a knowledge author reads
``file:line: message``; a user reads why the question was refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KnowledgeError(Exception):
    """Base of all knowledge errors."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a knowledge file, located as editors and CI annotations expect."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class InvalidKnowledgeBase(KnowledgeError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class InvalidQuestion(KnowledgeError):
    """The question cannot be searched; the message says why in the user's terms."""


class IndexUnavailable(KnowledgeError):
    """The index file cannot be built or opened (disk full, directory not writable)."""


class LimitExceeded(KnowledgeError):
    """A scan passed one of its limits; ``problem`` says which, and where."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ScanTimeout(KnowledgeError):
    """A scan ran past its time budget and was stopped; there is no report."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the scan took longer than {seconds:g} s and was stopped")
        self.seconds = seconds
