"""The values schema chartgen assembles field by field against pydantic's own of the model.

Importable without pytest: the Prefect example runs it in its own venv.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo

from chartgen.config import load_project
from chartgen.knobs import Section, ValuesSection
from chartgen.model.spec import build_spec
from chartgen.presets import load_presets
from chartgen.schema import PARTS, ValuesJsonSchema
from chartgen.section_schema import untitled
from chartgen.values_model import values_model


def as_model(values: Section, made: dict[int, type[BaseModel]] | None = None) -> type[BaseModel]:
    """The pydantic model chartgen would have made of a Section (as it did before it made
    Sections): what pydantic's own schema is asked of."""
    made = {} if made is None else made
    if id(values) in made:
        return made[id(values)]
    fields = {}
    for index, (key, field) in enumerate(values.fields.items()):
        annotation = field.annotation
        if isinstance(annotation, Section):
            annotation = as_model(annotation, made)
        fields[f"field{index}"] = (
            annotation,
            FieldInfo.merge_field_infos(field, alias=key, validation_alias=key, alias_priority=2),
        )
    made[id(values)] = create_model(  # type: ignore[call-overload]
        values.name, __base__=ValuesSection, __doc__=values.doc, **fields
    )
    return made[id(values)]


def difference(project_root: Path) -> str:
    """A unified diff from pydantic's schema of the values model to chartgen's; "" if equal."""
    project = load_project(project_root)
    spec = build_spec(project.load_declaration())
    values = values_model(spec, load_presets(project.presets, spec.scalable))
    model = as_model(values)
    ours = untitled(PARTS.document(values))
    pydantic = untitled(
        model.model_json_schema(by_alias=True, mode="validation", schema_generator=ValuesJsonSchema)
    )
    # Key order counts: the file is written in this order.
    theirs_text = json.dumps(pydantic, indent=1).splitlines(keepends=True)
    ours_text = json.dumps(ours, indent=1).splitlines(keepends=True)
    return "".join(difflib.unified_diff(theirs_text, ours_text, "pydantic", "chartgen", n=2))


if __name__ == "__main__":
    sys.stdout.write(difference(Path(sys.argv[1])))
