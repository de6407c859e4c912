"""A property of the chart: values the schema accepts either are refused at render time by a
message naming a values key, or render manifests that validate (kubernetes-validate, strict)
and a config every app container's own settings loader accepts, with each rendered value
arriving as rendered.

Values come from values.schema.json itself (hypothesis-jsonschema), one top-level section at a
time (the whole 190 kB schema is too slow to draw from), overlaid on each example file.
Deterministic (derandomize) so CI is repeatable; PROPERTY_EXAMPLES=N draws more per section.
Counts per section are written to $PROPERTY_REPORT (a JSON-lines file) when it is set.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from lookout.chart import CHART as DECLARATION
from pydantic import ValidationError

from chartgen.model.proof import check_delivered
from chartgen.model.spec import build_spec
from tests.chart.test_contract import existing_secrets_for
from tests.contract import ContractError, container_start, service_of, workloads
from tests.helm import CHART, PINNED, Helm, merge
from tests.kube_validation import validate

SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
EXAMPLES = sorted((CHART / "ci").glob("*-values.yaml"))
SECTIONS = sorted(SCHEMA["properties"])
EXAMPLES_PER_SECTION = int(os.environ.get("PROPERTY_EXAMPLES", "4"))
SPEC = build_spec(DECLARATION)
KUBERNETES = "1.34"
# How a refusal names its key: a guard's "section.key: ..." line, or Helm's schema error path.
GUARD_LINE = re.compile(r"^\s+[a-zA-Z][\w.\[\]-]*[:( ]", re.MULTILINE)
SCHEMA_PATH = re.compile(r"at '/[^']*'|\(root\)|jsonschema: '[^']*'")


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def section_schema(section: str) -> dict[str, Any]:
    """The section's schema with only the definitions it reaches (drawing from all is slow)."""
    root = SCHEMA["properties"][section]
    reached: set[str] = set()
    todo = _refs(root)
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo |= _refs(SCHEMA["definitions"][name])
    return {"definitions": {name: SCHEMA["definitions"][name] for name in reached}, **root}


def _render(values: dict[str, Any], directory: Path) -> tuple[Path, Any]:
    path = directory / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    helm = Helm("helm4", PINNED["helm4"], directory / "helm")
    return path, helm.run(*helm.template_args([path]))


def _refusal_names_a_key(stderr: str) -> bool:
    if "CONFIGURATION:" in stderr or "REMOVALS:" in stderr:
        body = stderr.split(":", 2)[-1]
        return bool(GUARD_LINE.search(body))
    return "values don't meet the specifications of the schema" in stderr and bool(
        SCHEMA_PATH.search(stderr)
    )


def _problems(manifests: list[dict[str, Any]], values_file: Path) -> list[str]:
    problems = []
    for doc in manifests:
        try:
            validate(doc, KUBERNETES)
        except kubernetes_validate.SchemaNotFoundError:
            continue  # an extraObjects entry of a kind Kubernetes does not define (a CRD's)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")
    existing = existing_secrets_for(values_file)
    for doc in workloads(manifests):
        service = service_of(doc)
        if service not in {w.name for w in SPEC.workloads}:
            continue  # a dev service's pods: not the app's settings
        try:
            start = container_start(manifests, doc, service, existing)
            files = {k: v.decode() for k, v in start.secret_files().items()}
            problems += check_delivered(SPEC.workload(service), start.env, files)
        except ContractError as error:
            problems.append(f"{service}: {error}")
        except ValidationError as error:
            problems.append(f"{service}: the app refuses its config: {error}")
    return problems


@pytest.mark.parametrize("section", SECTIONS)
def test_schema_valid_values_are_refused_by_name_or_work(section: str) -> None:
    counts: Counter[str] = Counter()
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_SECTION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(section_schema(section)), st.sampled_from(EXAMPLES))
    def check(value: Any, example: Path) -> None:
        counts["cases"] += 1
        values = merge(yaml.safe_load(example.read_text()) or {}, {section: value})
        with tempfile.TemporaryDirectory() as directory:
            values_file, result = _render(values, Path(directory))
            if result.returncode != 0:
                if _refusal_names_a_key(result.stderr):
                    counts["refused"] += 1
                else:
                    failures.append(f"{section}={value!r} on {example.name}: {result.stderr}")
                return
            manifests = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
            problems = _problems(manifests, values_file)
        if problems:
            failures.append(f"{section}={value!r} on {example.name}: {problems}")
        else:
            counts["accepted"] += 1

    check()
    report = os.environ.get("PROPERTY_REPORT")
    if report:
        with open(report, "a") as out:
            out.write(json.dumps({"section": section, **counts, "failures": len(failures)}) + "\n")
    assert not failures, "\n\n".join(failures[:3])
