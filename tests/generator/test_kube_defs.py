"""chartgen ships the Kubernetes definitions its values embed (chartgen/kube_defs.json) rather
than depending on kubernetes-validate at run time; the file must be what tools/kube_defs.py
writes from the kubernetes-validate the tests use."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chartgen import kube_types

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from kube_defs import vendored_text


def test_vendored_definitions_are_fresh() -> None:
    assert kube_types.VENDORED.read_text() == vendored_text(), "run tools/kube_defs.py"


def test_every_kube_type_of_chartgen_is_vendored() -> None:
    for root in kube_types.ROOTS:
        assert kube_types.full_name(root) in kube_types.definitions(root)


def test_an_unvendored_type_names_the_fix() -> None:
    with pytest.raises(KeyError, match=r"tools/kube_defs\.py"):
        kube_types.definitions("apps.v1.DeploymentStrategy")
