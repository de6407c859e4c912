"""chartgen.section_schema writes pydantic's schema of the values model without building the
model's validator: the two are compared, key for key and in order, on every kind of app here
(each in its own process, as `chartgen build` runs, with nothing cached yet)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartgen.schema import indented_json
from tests.generator.test_diff import write_project
from tests.generator.test_statefulset import EDITS as STATEFUL_EDITS

ROOT = Path(__file__).resolve().parents[2]
PREFECT_PYTHON = ROOT / ".tools" / "examples" / "bin" / "python"


def _difference(python: Path, project: Path) -> str:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{project}", "DO_NOT_TRACK": "1"}
    env["PREFECT_HOME"] = str(project / ".prefect-home")
    done = subprocess.run(
        [str(python), "-m", "tests.schema_parts", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["lookout", "shortlink"])
def test_the_shipped_apps_get_pydantics_schema(name: str) -> None:
    project = ROOT / ("apps" if name == "lookout" else "examples") / name
    assert _difference(Path(sys.executable), project) == ""


def test_a_third_party_app_gets_pydantics_schema() -> None:
    if not PREFECT_PYTHON.exists():
        pytest.fail(f"{PREFECT_PYTHON} is missing: run `make examples` (make test does it)")
    assert _difference(PREFECT_PYTHON, ROOT / "examples" / "prefect") == ""


@pytest.mark.parametrize("stateful", [False, True], ids=["deployment", "statefulset"])
def test_the_tiny_app_gets_pydantics_schema(tmp_path: Path, stateful: bool) -> None:
    project = write_project(tmp_path, STATEFUL_EDITS if stateful else ())
    assert _difference(Path(sys.executable), project) == ""


def test_field_options_the_apps_here_do_not_use_come_out_as_pydantic_writes_them() -> None:
    import datetime
    import enum
    from typing import Annotated, Literal

    from pydantic import BaseModel, Field

    from chartgen.knobs import ValuesSection
    from chartgen.schema import PARTS, ValuesJsonSchema
    from chartgen.section_schema import untitled

    class Colour(enum.Enum):
        RED = "red"
        BLUE = "blue"

    class Plain(BaseModel):
        """Not a values section: pydantic's own schema of it."""

        size: int = 1

    class Inner(ValuesSection):
        """An inner section, described by its docstring."""

        limit: Annotated[int, Field(ge=0)] = 3

    def mark(schema: dict[str, object]) -> None:
        schema["x-marked"] = True

    class Outer(ValuesSection):
        inner: Inner = Field(default_factory=Inner, description="Described here too.")
        maybe: Inner | None = None
        plains: list[Plain] = Field(default_factory=list)
        colour: Colour = Colour.BLUE
        wait: datetime.timedelta = datetime.timedelta(seconds=90)
        old: str = Field("", deprecated=True, examples=["a", "b"])
        marked: int = Field(0, json_schema_extra=mark)
        extra: dict[str, str] = Field({"b": "2", "a": "1"}, json_schema_extra={"x-z": {"b": 1}})
        mode: Literal["a", "b"] = "a"
        needed: float

    from chartgen.knobs import section_of

    ours = untitled(PARTS.document(section_of(Outer)))
    theirs = untitled(
        Outer.model_json_schema(by_alias=True, mode="validation", schema_generator=ValuesJsonSchema)
    )
    assert list(ours["$defs"]) == list(theirs["$defs"])
    assert ours == theirs
    assert json_text(ours) == json_text(theirs)


def json_text(schema: object) -> str:
    import json

    return json.dumps(schema, indent=1)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(JSON)
def test_the_schema_file_is_written_as_json_dumps_would_with_an_indent(value: object) -> None:
    assert indented_json(value) == json.dumps(value, indent=2)


def test_two_sections_of_one_name_get_a_definition_each() -> None:
    from pydantic import Field

    from chartgen.knobs import section
    from chartgen.schema import PARTS

    small = section("Limits", {"cpu": (str, Field("1", description="CPU."))})
    other = section("Limits", {"memory": (str, Field("1Gi", description="Memory."))})
    root = section(
        "Values",
        {
            "a": (small, Field(default_factory=dict)),
            "b": (other, Field(default_factory=dict)),
            "c": (small, Field(default_factory=dict)),
        },
    )
    schema = PARTS.document(root)
    refs = [schema["properties"][key]["$ref"] for key in "abc"]
    assert refs == ["#/$defs/Limits", "#/$defs/Limits2", "#/$defs/Limits"]
    assert list(schema["$defs"]["Limits"]["properties"]) == ["cpu"]
    assert list(schema["$defs"]["Limits2"]["properties"]) == ["memory"]
