"""`chartgen diff`: what changed between two generated charts, for whoever upgrades.

``source`` finds the base chart (a directory, or a git revision). The values API comes from
the two schemas and values.yaml files: ``schema_keys`` flattens a schema, ``values_api``
pairs keys (declared renames included) and ``key_changes`` compares each pair. Rendered
objects come from Helm on every preset × example (``render``, ``normalize``, ``renders``,
``manifests``). ``semver`` says whether the version bump covers the changes, ``markdown``
and ``json_report`` write the report, and ``compare`` ties them together.
"""
