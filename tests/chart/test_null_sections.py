"""A section set to null (an operator commenting out its body) is refused naming the key,
never a nil-pointer crash deep in a template."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helm import CHART, Helm

MINIMAL = CHART / "ci" / "minimal-values.yaml"
SECTIONS = ["admin", "api", "image", "networkPolicy", "ingress.tls", "database.secretKeys"]


@pytest.mark.parametrize("section", SECTIONS)
def test_a_null_section_is_refused_naming_it(helm: Helm, section: str) -> None:
    result = helm.run(*helm.template_args([MINIMAL], [f"{section}=null"]))
    assert result.returncode != 0
    assert "nil pointer" not in result.stderr, result.stderr
    assert f"  {section}: is null or not a mapping" in result.stderr, result.stderr
    # Only the section itself: its sub-sections went with it.
    assert f"  {section}." not in result.stderr, result.stderr


def test_an_empty_section_keeps_its_defaults(helm: Helm, tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("ingress:\n  tls: {}\napi: {}\n")
    docs = helm.template([MINIMAL, empty])
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert ingress["spec"]["tls"], "the TLS defaults were lost"
