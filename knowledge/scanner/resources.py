"""Reading manifests — files, directories, multi-document streams, `kubectl`/Kustomize/Helm
output — into resources that remember their file and line. Anything that is not a Kubernetes
resource, or not YAML at all, is reported with its place and skipped, never fatal."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge import plainyaml
from knowledge.errors import Problem
from knowledge.scanner.limits import CLI_LIMITS, Budget
from knowledge.yamlfile import Loader, ParsedFile, ParsedText, expansion

#: Where each workload kind keeps its pod template (a Pod is its own template).
TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet", "Rollout", "Service"),
        ("spec", "template"),
    ),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
#: Kinds that carry a pod template only in one API group (a core Service has none).
CUSTOM_WORKLOADS = {"Rollout": "argoproj.io", "Service": "serving.knative.dev"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
#: Kinds that are valid without ``metadata.name``, and the name they go by in reports: Istio's
#: install examples give ``istioctl install -f`` IstioOperators with no metadata at all, and
#: skipping them would skip the one resource that configures the control plane.
ANONYMOUS = {"IstioOperator": "(unnamed)"}
#: The name a stream read from standard input goes by in reports (SARIF shows it as ``stdin``).
STDIN = Path("<stdin>")


@dataclass(frozen=True)
class Resource:
    kind: str
    namespace: str
    name: str
    data: dict[str, Any]
    source: ParsedFile  # the document, for the line of any field

    @property
    def path(self) -> Path:
        return self.source.path

    def line(self, *loc: int | str) -> int:
        return self.source.line_of(loc)

    def labels(self) -> dict[str, str]:
        return _strings(self._metadata().get("labels"))

    def annotations(self) -> dict[str, str]:
        return _strings(self._metadata().get("annotations"))

    def _metadata(self) -> dict[str, Any]:
        metadata = self.data.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    def pod_template(self) -> tuple[dict[str, Any], tuple[str, ...]] | None:
        """The pod spec and metadata of a workload, with the path to it: every kind that
        carries a pod template, including Argo Rollouts (``spec.template``; one that points at a
        Deployment with ``spec.workloadRef`` has none, and that Deployment is read instead) and
        Knative Services (``serving.knative.dev``, which share the kind name ``Service``)."""
        if self.kind == "Pod":
            return self.data, ()
        path = TEMPLATE_PATHS.get(self.kind)
        group = str(self.data.get("apiVersion", "")).split("/")[0]
        if path is None or (self.kind in CUSTOM_WORKLOADS and group != CUSTOM_WORKLOADS[self.kind]):
            return None
        template: Any = self.data
        for key in path:
            template = template.get(key) if isinstance(template, dict) else None
        return (template, path) if isinstance(template, dict) else None


def _strings(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


def files(paths: Sequence[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"})
        else:
            yield path


def documents(text: str) -> Iterator[tuple[int, str]]:
    """(first line, text) of each document in a stream, split as kubectl splits it.

    kubectl (k8s.io/apimachinery ``pkg/util/yaml/decoder.go``, ``YAMLReader.Read``) cuts the
    stream at every line that starts with ``---`` followed by nothing, spaces or a comment,
    before any YAML parsing; so one broken document costs that document only, never the rest
    of a ``kustomize build`` or ``helm template`` stream. We split the same way, for the same
    reason: what is scanned is what ``kubectl apply`` would read."""
    first = 1
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        if line.startswith("---") and _separator(line[3:]):
            if lines:
                yield first, "".join(lines)
            first, lines = number + 1, []
        else:
            lines.append(line)
    if lines:
        yield first, "".join(lines)


def _separator(rest: str) -> bool:
    stripped = rest.strip()
    return not stripped or stripped.startswith("#")


def read(
    path: Path,
    text: str,
    problems: list[Problem],
    budget: Budget,
    needles: Mapping[str, tuple[str, ...] | None] | None = None,
) -> Iterator[Resource]:
    """Every Kubernetes resource in one YAML stream; problems are reported and skipped.

    The stream is split into documents first (``documents``), so a document that is not YAML
    is reported at its line and the next one is read. Each document is sized on its node graph
    and charged to ``budget`` before it is constructed, so an alias bomb is refused
    (``LimitExceeded``) without ever being expanded. With ``needles`` (per kind, the words one
    of which a document must hold to matter to any rule; None: always matters), a document with
    no anchor whose kind is absent, or that holds none of its kind's words, is only checked to
    be YAML (by libyaml alone) and counted: building the objects of CRDs and workloads no rule
    can fire on was most of the time a scan of real repositories took.
    """
    for first_line, chunk in documents(text):
        if needles is not None and "&" not in chunk and not _matters(chunk, needles):
            _count_unread(path, first_line, chunk, problems, budget)
        else:
            yield from _parse(path, first_line, chunk, problems, budget)


def _matters(chunk: str, needles: Mapping[str, tuple[str, ...] | None]) -> bool:
    kind = _declared_kind(chunk)
    if kind is None:
        return True  # not said plainly: parse it and see
    if kind not in needles:
        return False
    words = needles[kind]
    return words is None or any(word in chunk for word in words)


def namespaces(path: Path, text: str) -> tuple[list[Resource], list[Problem]]:
    """The Namespaces in a ``kubectl get namespaces -o yaml`` dump (``meshbot scan
    --namespaces``): labels applied in the cluster that the manifests do not show."""
    problems: list[Problem] = []
    found = [r for r in read(path, text, problems, Budget(CLI_LIMITS)) if r.kind == "Namespace"]
    return found, problems


def _declared_kind(chunk: str) -> str | None:
    """The document's ``kind:``, when a top-level line declares it plainly (and ``apiVersion:``
    is there too); None when the text does not say so simply, and the document is then parsed."""
    lines = chunk.splitlines()
    kinds = [line[5:] for line in lines if line.startswith("kind:")]
    if len(kinds) != 1 or not any(line.startswith("apiVersion:") for line in lines):
        return None
    kind = kinds[0].split("#")[0].strip().strip("\"'")
    return kind if kind.isalnum() and not kind.endswith("List") else None


def _count_unread(
    path: Path, first_line: int, chunk: str, problems: list[Problem], budget: Budget
) -> None:
    budget.spend_document(path, first_line, 0, 0)
    loader = Loader(chunk)
    try:
        # libyaml's parser alone (CParser.raw_parse) checks the syntax building no Python object
        raw_parse = getattr(loader, "raw_parse", None)
        while raw_parse is None and loader.check_event():  # PyYAML without libyaml
            loader.get_event()
        if raw_parse is not None:
            raw_parse()
    except yaml.YAMLError as error:
        problems.append(_not_yaml(path, first_line, chunk, error))
        return
    finally:
        loader.dispose()
    budget.spend_resource(path, first_line)


def _parse(
    path: Path, first_line: int, chunk: str, problems: list[Problem], budget: Budget
) -> Iterator[Resource]:
    """The resources in one document, built from libyaml's events when it is plain data (no
    anchor can expand then); otherwise composed, and sized before it is constructed."""
    try:
        built, error = plainyaml.documents(chunk)
    except plainyaml.Unusual:
        yield from _compose(path, first_line, chunk, problems, budget)
        return
    for index, (start, data) in enumerate(built):
        budget.spend_document(path, start + first_line, 0, 0)
        document = ParsedText(path, data, start, first_line, chunk, index)
        yield from _resources(document, problems, budget)
    if error is not None:
        problems.append(_not_yaml(path, first_line, chunk, error))


def _compose(
    path: Path, first_line: int, chunk: str, problems: list[Problem], budget: Budget
) -> Iterator[Resource]:
    loader = Loader(chunk)
    try:
        for index in itertools.count():
            if not loader.check_node():
                break
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + first_line
            size = expansion(node) if "&" in chunk else None  # no anchor: no alias either
            aliases, alias_nodes = (size.aliases, size.alias_nodes) if size else (0, 0)
            budget.spend_document(path, line, aliases, alias_nodes)
            if size is not None and size.recursive is not None:
                line = size.recursive.start_mark.line + first_line
                message = "an anchor contains an alias to itself; skipped"
                problems.append(Problem(path, line, message))
                continue
            data = loader.construct_document(node)
            start = node.start_mark.line
            document = ParsedText(path, data, start, first_line, chunk, index)
            yield from _resources(document, problems, budget)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: see plainyaml.documents
        problems.append(_not_yaml(path, first_line, chunk, error))
    finally:
        loader.dispose()


def _not_yaml(
    path: Path, first_line: int, chunk: str, error: yaml.YAMLError | ValueError
) -> Problem:
    """The problem at the line libyaml stopped on, kept inside the document (at its end it
    points one line past, onto the next document's separator)."""
    mark = getattr(error, "problem_mark", None)
    last = first_line + max(chunk.count("\n") - 1, 0)
    line = min(mark.line + first_line, last) if mark is not None else first_line
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    return Problem(path, line, f"not valid YAML ({reason}); document skipped")


def _resources(
    document: ParsedFile, problems: list[Problem], budget: Budget, depth: int = 0
) -> Iterable[Resource]:
    data = document.data
    if data is None:
        return []
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("kind"), str)
        or "apiVersion" not in data
    ):
        problems.append(
            document.problem((), "not a Kubernetes resource (no apiVersion/kind); skipped")
        )
        return []
    if data["kind"].endswith("List") and isinstance(data.get("items"), list):
        budget.enter_list(document.path, document.line_of(()), depth + 1)
        items: list[Resource] = []
        for item in document.items("items"):
            items += _resources(item, problems, budget, depth + 1)
        return items
    metadata: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "")
    if not name and data["kind"] in ANONYMOUS:
        name = ANONYMOUS[data["kind"]]
    if not name:
        problems.append(document.problem(("metadata",), f"{data['kind']} without a name; skipped"))
        return []
    namespace = (
        "" if data["kind"] in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    )
    budget.spend_resource(document.path, document.line_of(()))
    return [Resource(data["kind"], namespace, name, data, document)]
