"""Changes to the values API: which keys exist, were added, removed or renamed.

Keys present in both schemas (or paired by a declared rename) are compared by
``key_changes``. A key kept in the current schema only as a deprecated property with
``x-renamed-to`` / ``x-removed`` is a declared rename or removal, not a removal plus an
addition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chartgen.diff.key_changes import key_changes, must_set, show
from chartgen.diff.model import Change
from chartgen.diff.schema_keys import (
    MISSING,
    KeyPath,
    Retired,
    SchemaKeys,
    default_at,
    dotted,
)


def _under(path: KeyPath, parents: set[KeyPath]) -> bool:
    return any(path[:n] in parents for n in range(len(path)))


def _retirement(
    path: KeyPath, retired: Mapping[KeyPath, Retired]
) -> tuple[KeyPath, Retired] | None:
    """The retired key at or above ``path`` (a retired section retires its keys)."""
    for n in range(len(path), 0, -1):
        if path[:n] in retired:
            return path[:n], retired[path[:n]]
    return None


def _retired_change(path: KeyPath, retired: Retired) -> Change:
    old = dotted(path)
    since = f" in {retired.since}" if retired.since else ""
    if retired.renamed_to is not None:
        new = dotted(retired.renamed_to)
        return Change(
            "renamed",
            "breaking",
            f"renamed to `{new}`{since}: values still setting `{old}` fail to render",
            path=old,
            before=old,
            after=new,
            action=f"move `{old}` to `{new}`",
        )
    why = f": {retired.reason}" if retired.reason else ""
    return Change(
        "declared-removal",
        "breaking",
        f"removed{since}{why}; values still setting it fail to render",
        path=old,
        before=old,
        after=None,
        action=f"remove `{old}` from your values"
        + (f" ({retired.reason})" if retired.reason else ""),
    )


def compare_values(
    base: SchemaKeys, current: SchemaKeys, base_values: Any, current_values: Any
) -> list[Change]:
    """Declared renames and removals, removed keys, added keys, then each kept key's changes."""
    changes: list[Change] = []
    pairs: list[tuple[KeyPath, KeyPath]] = []
    gone: set[KeyPath] = set()
    renamed_into: set[KeyPath] = set()
    for path in base.keys:
        if path in current.keys:
            pairs.append((path, path))
            continue
        found = _retirement(path, current.retired)
        if found is None:
            gone.add(path)
            continue
        retired_at, retired = found
        if path == retired_at:
            changes.append(_retired_change(path, retired))
        if retired.renamed_to is not None:
            target = (*retired.renamed_to, *path[len(retired_at) :])
            renamed_into.add(target)
            if target in current.keys:
                pairs.append((path, target))
    for path in base.keys:
        if path in gone and not _under(path, gone):
            changes.append(
                Change(
                    "removed",
                    "breaking",
                    "no longer in the schema: values setting it are rejected",
                    path=dotted(path),
                    before=_value_or_none(default_at(base_values, path)),
                    action=f"remove `{dotted(path)}` from your values",
                )
            )
    added = {p for p in current.keys if p not in base.keys and p not in renamed_into}
    for path in current.keys:
        if path in added and not _under(path, added):
            changes.append(_added_change(path, current, current_values))
    for old_path, new_path in pairs:
        changes.extend(
            key_changes(
                old_path,
                new_path,
                base.keys[old_path],
                current.keys[new_path],
                (base_values, current_values),
            )
        )
    return changes


def _added_change(path: KeyPath, current: SchemaKeys, values: Any) -> Change:
    """A new key (or section): breaking when values must set it, or a key inside it."""
    must = [
        key_path
        for key_path, key in current.keys.items()
        if key_path[: len(path)] == path
        # Below a section values.yaml leaves out, a required key binds only if it is set.
        and (key_path == path or default_at(values, key_path[:-1]) is not MISSING)
        and must_set(key, default_at(values, key_path))
    ]
    default = default_at(values, path)
    if must:
        named = ", ".join(f"`{dotted(p)}`" for p in must)
        return Change(
            "added",
            "breaking",
            f"new key that values must set ({named}), with no default: values without it "
            "are rejected",
            path=dotted(path),
            after=_value_or_none(default),
            action=f"set {named} in your values",
        )
    shown = f" (default {show(default)})" if default is not MISSING else ""
    return Change(
        "added",
        "safe",
        f"new optional key{shown}",
        path=dotted(path),
        after=_value_or_none(default),
    )


def _value_or_none(value: Any) -> Any:
    return None if value is MISSING else value
