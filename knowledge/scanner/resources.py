"""Reading manifests — files, directories, multi-document streams, `kubectl`/Kustomize/Helm
output — into resources that remember their file and line. Anything that is not a Kubernetes
resource, or not YAML at all, is reported with its place and skipped, never fatal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import Problem
from knowledge.scanner.limits import Budget
from knowledge.yamlfile import Loader, ParsedFile, expansion

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


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
        """The pod spec and metadata of a workload, with the path to it."""
        if self.kind not in WORKLOADS:
            return None
        if self.kind == "Pod":
            return self.data, ()
        path = (
            ("spec", "jobTemplate", "spec", "template")
            if self.kind == "CronJob"
            else ("spec", "template")
        )
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


def read(path: Path, text: str, problems: list[Problem], budget: Budget) -> Iterator[Resource]:
    """Every Kubernetes resource in one YAML stream; problems are reported and skipped.

    Each document is sized on its node graph and charged to ``budget`` before it is
    constructed, so an alias bomb is refused (``LimitExceeded``) without ever being expanded.
    """
    # An alias needs an anchor, and an anchor is written with "&": a stream without one (most
    # manifests) cannot expand, and sizing its documents would only cost time.
    anchored = "&" in text
    loader = Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            if not anchored:
                budget.spend_document(path, line, aliases=0, alias_nodes=0)
            else:
                size = expansion(node)
                budget.spend_document(path, line, size.aliases, size.alias_nodes)
                if size.recursive is not None:
                    line = size.recursive.start_mark.line + 1
                    message = "an anchor contains an alias to itself; skipped"
                    problems.append(Problem(path, line, message))
                    continue
            data = loader.construct_document(node)
            yield from _resources(ParsedFile(path, data, node), problems, budget)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        problems.append(Problem(path, line, f"not valid YAML ({reason}); rest of file skipped"))
    finally:
        loader.dispose()


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
        for index in range(len(data["items"])):
            items += _resources(document.part(("items", index)), problems, budget, depth + 1)
        return items
    metadata: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "")
    if not name:
        problems.append(document.problem(("metadata",), f"{data['kind']} without a name; skipped"))
        return []
    namespace = (
        "" if data["kind"] in CLUSTER_SCOPED else str(metadata.get("namespace") or "default")
    )
    budget.spend_resource(document.path, document.line_of(()))
    return [Resource(data["kind"], namespace, name, data, document)]
