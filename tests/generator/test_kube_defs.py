"""chartgen ships the Kubernetes definitions its values embed (chartgen/kube_defs.json) rather
than depending on kubernetes-validate at run time; the file must be what tools/kube_defs.py
writes from the kubernetes-validate the tests use."""

from __future__ import annotations

import sys
from pathlib import Path

import jsonschema
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


def _volume_validator() -> jsonschema.Validator:
    volume = kube_types.full_name("core.v1.Volume")
    schema = {"$defs": kube_types.definitions("core.v1.Volume"), "$ref": f"#/$defs/{volume}"}
    return jsonschema.Draft202012Validator(schema)


def test_a_deprecated_volume_type_passes_unchecked_but_its_key_is_checked() -> None:
    validator = _volume_validator()
    assert validator.is_valid({"name": "old", "rbd": {"monitors": ["m"], "pool": {"any": 1}}})
    assert not validator.is_valid({"name": "old", "rdb": {"monitors": ["m"]}})
    # A current type stays typed to its last field.
    assert not validator.is_valid({"name": "c", "configMap": {"nmae": "ca"}})


def test_an_ephemeral_claim_template_takes_only_labels_and_annotations() -> None:
    validator = _volume_validator()
    claim = {"spec": {"accessModes": ["ReadWriteOnce"]}}
    ok = {"name": "e", "ephemeral": {"volumeClaimTemplate": {**claim, "metadata": {"labels": {}}}}}
    assert validator.is_valid(ok)
    named = {"metadata": {"name": "x"}, **claim}
    assert not validator.is_valid({"name": "e", "ephemeral": {"volumeClaimTemplate": named}})
