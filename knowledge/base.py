"""Loading the knowledge files into one validated, cross-checked ``KnowledgeBase``.

The built-in files ship inside this package; an organisation adds its own directories (same
file names, same schema) through ``MESHBOT_KNOWLEDGE_DIRS``. Every problem in every file is
collected before failing, so an author fixes them all in one pass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.profiles import DataPlaneProfile
from knowledge import schema
from knowledge.errors import InvalidKnowledgeBase, Problem
from knowledge.yamlfile import ParsedFile, parse

BUILTIN_DIR = Path(__file__).parent / "data"
M = TypeVar("M", bound=BaseModel)

#: file name → (kind, model). One file per kind keeps each file about one thing.
KINDS: dict[str, tuple[str, type[BaseModel]]] = {
    "sources.yaml": ("source", schema.Source),
    "pitfalls.yaml": ("pitfall", schema.Pitfall),
    "comparisons.yaml": ("comparison", schema.Comparison),
    "criteria.yaml": ("criterion", schema.Criterion),
    "anti_patterns.yaml": ("anti-pattern", schema.AntiPattern),
    "thresholds.yaml": ("threshold", schema.Threshold),
    "decision.yaml": ("decision-step", schema.DecisionStep),
    "facts.yaml": ("fact", schema.Fact),
    "corrections.yaml": ("correction", schema.Correction),
    "profiles.yaml": ("profile", DataPlaneProfile),
    "vocabulary.yaml": ("term", schema.Term),
    "prices.yaml": ("price", schema.Price),
    "rules.yaml": ("rule", schema.ScanRule),
    "releases.yaml": ("release", schema.ProductReleases),
}

#: A text naming a product release ("Istio 1.24", "k8s 1.33", "kernel 5.10") makes an entry
#: version-dependent: it must then say which releases it holds for (``applies_to``).
NAMES_A_RELEASE = re.compile(
    r"\b(istio|linkerd|cilium|kubernetes|k8s|kernel)\s+v?\d+\.\d+", re.IGNORECASE
)
#: Kinds that are version-dependent whatever their text says: runbooks and data-plane figures.
ALWAYS_VERSIONED = frozenset({"pitfall", "profile"})


@dataclass(frozen=True)
class Located:
    """An entry with the file and node it was read from, for error messages."""

    kind: str
    model: Any  # one of the kind models; read through the typed accessors outside knowledge
    parsed: ParsedFile
    index: int

    @property
    def id(self) -> str:
        return str(getattr(self.model, "code", None) or getattr(self.model, "id", ""))

    def problem(self, loc: Sequence[int | str], message: str) -> Problem:
        return self.parsed.problem((self.index, *loc), message)


@dataclass
class KnowledgeBase:
    """All entries by kind and id; ``digest`` changes whenever any file's content does."""

    entries: dict[str, Located] = field(default_factory=dict)
    sources: dict[str, schema.Source] = field(default_factory=dict)
    releases: dict[str, schema.ProductReleases] = field(default_factory=dict)
    release_entries: list[Located] = field(default_factory=list)
    vocabulary: list[schema.Term] = field(default_factory=list)
    digest: str = ""

    def _typed(self, model: type[M]) -> list[M]:
        return [item.model for item in self.entries.values() if isinstance(item.model, model)]

    # Typed accessors: other packages read entries through these, so mypy checks what they use.
    def pitfalls(self) -> list[schema.Pitfall]:
        return self._typed(schema.Pitfall)

    def comparisons(self) -> list[schema.Comparison]:
        return self._typed(schema.Comparison)

    def facts(self) -> list[schema.Fact]:
        return self._typed(schema.Fact)

    def scan_rules(self) -> list[schema.ScanRule]:
        return self._typed(schema.ScanRule)

    def corrections(self) -> list[schema.Correction]:
        return self._typed(schema.Correction)

    def profiles(self) -> list[DataPlaneProfile]:
        return self._typed(DataPlaneProfile)

    def get(self, entry_id: str) -> Located | None:
        return self.entries.get(entry_id)

    def corrections_for(self, entry_id: str) -> list[schema.Correction]:
        return [c for c in self.corrections() if entry_id in c.corrects]


def knowledge_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for directory in dirs:
        files.extend(sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")))
    return files


def load(extra_dirs: Sequence[Path] = ()) -> KnowledgeBase:
    """Load the built-in knowledge plus ``extra_dirs``; raise with every problem found."""
    problems: list[Problem] = []
    for directory in extra_dirs:
        if not directory.is_dir():
            problems.append(Problem(directory, 1, "knowledge directory does not exist"))
    files = knowledge_files([BUILTIN_DIR, *(d for d in extra_dirs if d.is_dir())])
    kb = KnowledgeBase(digest=_digest(files))
    located: list[Located] = []
    for path in files:
        located.extend(_read(path, problems))
    seen: dict[tuple[bool, str], Located] = {}
    for item in located:
        _register(kb, item, seen, problems)
    problems.extend(_cross_reference_problems(kb, located))
    if problems:
        raise InvalidKnowledgeBase(problems)
    return kb


def _digest(files: Sequence[Path]) -> str:
    sha = hashlib.sha256()
    for path in files:
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def _read(path: Path, problems: list[Problem]) -> list[Located]:
    if path.name not in KINDS:
        known = ", ".join(sorted(KINDS))
        problems.append(Problem(path, 1, f"unknown knowledge file name; expected one of: {known}"))
        return []
    kind, model = KINDS[path.name]
    parsed = parse(path)
    if isinstance(parsed, Problem):
        problems.append(parsed)
        return []
    if parsed.data is None:
        return []
    if not isinstance(parsed.data, list):
        problems.append(parsed.problem((), "expected a list of entries (each starting with '- ')"))
        return []
    found: list[Located] = []
    for index, raw in enumerate(parsed.data):
        try:
            found.append(Located(kind, model.model_validate(raw), parsed, index))
        except ValidationError as error:
            for detail in error.errors():
                loc = [part for part in detail["loc"] if isinstance(part, int | str)]
                where = ".".join(str(part) for part in loc)
                prefix = f"{kind} #{index + 1}" + (f" {where}" if where else "")
                problems.append(parsed.problem((index, *loc), f"{prefix}: {detail['msg']}"))
    return found


def _register(
    kb: KnowledgeBase, item: Located, seen: dict[tuple[bool, str], Located], problems: list[Problem]
) -> None:
    if item.kind == "term":
        kb.vocabulary.append(item.model)
        return
    if item.kind == "release":
        _register_releases(kb, item, problems)
        return
    is_source = item.kind == "source"
    key_field = "code" if item.kind == "pitfall" else "id"
    first = seen.setdefault((is_source, item.id), item)
    if first is not item:
        origin = first.problem((key_field,), "")
        problems.append(
            item.problem(
                (key_field,),
                f"duplicate id {item.id!r} (first defined at {origin.path}:{origin.line})",
            )
        )
    elif is_source:
        kb.sources[item.id] = item.model
    else:
        kb.entries[item.id] = item


def _register_releases(kb: KnowledgeBase, item: Located, problems: list[Problem]) -> None:
    """A product listed again (an organisation's own releases.yaml) adds releases to it, so
    its entries can name a release the built-in list does not have yet; a version listed twice
    is a problem."""
    known = kb.releases.get(item.id)
    if known is not None:
        for position, release in enumerate(item.model.releases):
            if known.find(release.version) is not None:
                problems.append(
                    item.problem(
                        ("releases", position, "version"),
                        f"{known.name} {release.version} is already listed",
                    )
                )
        merged = [*known.releases, *item.model.releases]
        item_model = known.model_copy(update={"releases": merged})
    else:
        item_model = item.model
    kb.releases[item.id] = item_model
    kb.release_entries.append(item)


def _cross_reference_problems(kb: KnowledgeBase, located: Sequence[Located]) -> Iterator[Problem]:
    for item in located:
        for loc, source_id in source_refs(item.model):
            if source_id not in kb.sources:
                yield item.problem(loc, f"unknown source {source_id!r}")
        for name in ("related", "corrects", "thresholds", "pitfall"):
            refs = getattr(item.model, name, None) or []
            for position, ref in enumerate([refs] if isinstance(refs, str) else refs):
                if ref not in kb.entries:
                    yield item.problem((name, position), f"{name} refers to unknown entry {ref!r}")
        yield from _version_problems(kb, item)
    yield from _vocabulary_problems(item for item in located if item.kind == "term")


def version_dependent(kind: str, model: Any) -> bool:
    """Whether an entry's truth depends on a release (see ``NAMES_A_RELEASE``)."""
    if kind in ("source", "term", "release"):
        return False
    if kind in ALWAYS_VERSIONED and getattr(model, "deployment_unit", "") != "none":
        return True
    return bool(NAMES_A_RELEASE.search(model.model_dump_json()))


def _version_problems(kb: KnowledgeBase, item: Located) -> Iterator[Problem]:
    ranges = getattr(item.model, "applies_to", None) or []
    if not ranges and version_dependent(item.kind, item.model):
        yield item.problem(
            ("reviewed",),
            f"{item.kind} {item.id!r} is version-dependent (it names a release, or is a "
            "runbook or profile) but has no applies_to",
        )
    for position, scope in enumerate(ranges):
        product = kb.releases.get(scope.product)
        for bound in ("since", "until"):
            version = getattr(scope, bound)
            if version is None:
                continue
            if product is None:
                yield item.problem(
                    ("applies_to", position, "product"),
                    f"applies_to names {scope.product!r}, which releases.yaml does not list",
                )
            elif product.find(version) is None:
                yield item.problem(
                    ("applies_to", position, bound),
                    f"applies_to names {product.name} {version}, "
                    "which is not a release in releases.yaml",
                )


def source_refs(model: Any) -> Iterator[tuple[tuple[int | str, ...], str]]:
    """Every place a model cites a source: its ``sources`` list, table cells and figures."""
    for position, source_id in enumerate(getattr(model, "sources", [])):
        yield ("sources", position), source_id
    if isinstance(model, schema.Comparison):
        for r, row in enumerate(model.rows):
            for column, cell in row.cells.items():
                yield ("rows", r, "cells", column, "source"), cell.source
    if isinstance(model, DataPlaneProfile):
        for name in ("memory_mb_per_proxy", "vcpu_per_1k_rps", "p99_ms_per_hop"):
            for position, figure in enumerate(getattr(model, name)):
                yield (name, position, "source"), figure.source
        for position, reserved in enumerate(model.reserved):
            yield ("reserved", position, "source"), reserved.source
        for part in ("l7_proxy", "control_plane"):
            component = getattr(model, part)
            for name in ("memory_mb_per_proxy", "vcpu_per_1k_rps", "memory_mb", "vcpu"):
                for position, figure in enumerate(getattr(component, name, None) or []):
                    yield (part, name, position, "source"), figure.source
    if isinstance(model, schema.Price):
        yield ("usd_per_month", "source"), model.usd_per_month.source


def _vocabulary_problems(terms: Iterable[Located]) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for item in terms:
        for position, synonym in enumerate(item.model.synonyms):
            if synonym != synonym.lower():
                yield item.problem(("synonyms", position), f"synonym {synonym!r} must be lowercase")
            if owner.setdefault(synonym, item.model.term) != item.model.term:
                yield item.problem(
                    ("synonyms", position),
                    f"synonym {synonym!r} already stands for {owner[synonym]!r}",
                )
