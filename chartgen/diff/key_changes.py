"""Changes to what one key accepts: type, requirement, enum, bounds, extra keys, default.

Each function compares a key of the base schema with its counterpart in the current one
(the same path, or the path it was renamed to). Helm validates values *after* merging
values.yaml, so a required key with a default there costs existing values nothing:
"must set" below means "required and without a default".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chartgen.diff.model import Change
from chartgen.diff.schema_keys import (
    EXTRA_ORDER,
    ITEMS,
    LOWER_BOUNDS,
    MAP_VALUES,
    MISSING,
    UPPER_BOUNDS,
    Key,
    KeyPath,
    default_at,
    dotted,
)

# Longer values are cut in reasons (the JSON report's before/after hold them whole).
SHOWN_LENGTH = 60


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _canonical(values: tuple[Any, ...]) -> dict[str, Any]:
    return {json.dumps(v, sort_keys=True): v for v in values}


def must_set(key: Key, default: Any) -> bool:
    return key.required and default is MISSING


def _accepted_types(types: frozenset[str]) -> set[str]:
    # An integer is a number: "integer" → "number" loses nothing.
    return set(types) | ({"integer"} if "number" in types else set())


def _type_changes(path: str, old: Key, new: Key) -> Iterator[Change]:
    if "any" in new.types:
        lost: set[str] = set()
    else:
        lost = _accepted_types(old.types) - _accepted_types(new.types)
    gained = _accepted_types(new.types) - _accepted_types(old.types)
    before, after = sorted(old.types), sorted(new.types)
    if lost:
        yield Change(
            "type-changed",
            "breaking",
            f"type {' | '.join(before)} → {' | '.join(after)}: "
            f"{', '.join(sorted(lost))} values are rejected now",
            path=path,
            before=before,
            after=after,
            action=f"set `{path}` as {' or '.join(after)}",
        )
    elif gained:
        yield Change(
            "type-widened",
            "safe",
            f"also accepts {', '.join(sorted(gained))} now",
            path=path,
            before=before,
            after=after,
        )


def _enum_changes(path: str, old: Key, new: Key) -> Iterator[Change]:
    if old.enum == new.enum:
        return
    if new.enum is None:
        yield Change(
            "enum-widened",
            "safe",
            "accepts any value of its type now, not only the listed ones",
            path=path,
            before=list(old.enum or ()),
            after=None,
        )
        return
    before, after = _canonical(old.enum or ()), _canonical(new.enum)
    allowed = ", ".join(after)
    if old.enum is None:
        yield Change(
            "enum-narrowed",
            "breaking",
            f"accepts only {allowed} now",
            path=path,
            before=None,
            after=list(new.enum),
            action=f"set `{path}` to one of {allowed}",
        )
        return
    dropped = [text for text in before if text not in after]
    added = [text for text in after if text not in before]
    if dropped:
        yield Change(
            "enum-narrowed",
            "breaking",
            f"no longer accepts {', '.join(dropped)}",
            path=path,
            before=list(old.enum),
            after=list(new.enum),
            action=f"if you set `{path}` to {' or '.join(dropped)}, choose one of {allowed}",
        )
    if added:
        yield Change(
            "enum-widened",
            "safe",
            f"also accepts {', '.join(added)}",
            path=path,
            before=list(old.enum),
            after=list(new.enum),
        )


def _bound_changes(path: str, old: Key, new: Key) -> Iterator[Change]:
    for keyword in sorted(set(old.bounds) | set(new.bounds)):
        was, now = old.bounds.get(keyword), new.bounds.get(keyword)
        if was == now:
            continue
        if keyword in LOWER_BOUNDS or keyword in UPPER_BOUNDS:
            lower = keyword in LOWER_BOUNDS
            narrowed = now is not None and (was is None or (now > was if lower else now < was))
        else:  # pattern, multipleOf: any new or different one may reject what passed
            narrowed = now is not None
        text = f"{keyword} {show(was) if was is not None else 'none'} → "
        text += show(now) if now is not None else "none"
        if narrowed:
            yield Change(
                "range-narrowed",
                "breaking",
                f"{text}: values that passed may be rejected now",
                path=path,
                before={keyword: was},
                after={keyword: now},
                action=f"make sure `{path}` meets {keyword} {show(now)}",
            )
        else:
            yield Change(
                "range-widened",
                "safe",
                f"{text}: accepts more values",
                path=path,
                before={keyword: was},
                after={keyword: now},
            )


def _extra_changes(path: str, old: Key, new: Key) -> Iterator[Change]:
    if old.extra is None or new.extra is None or old.extra == new.extra:
        return
    tighter = EXTRA_ORDER.index(new.extra) < EXTRA_ORDER.index(old.extra)
    where = f"`{path}`" if path else "the values root"
    if tighter:
        yield Change(
            "additional-properties-tightened",
            "breaking",
            f"additionalProperties {old.extra} → {new.extra}: keys (or values) it accepted "
            "are rejected now",
            path=path,
            before=old.extra,
            after=new.extra,
            action=f"remove keys under {where} that the chart does not document",
        )
    else:
        yield Change(
            "additional-properties-loosened",
            "safe",
            f"additionalProperties {old.extra} → {new.extra}: accepts more keys",
            path=path,
            before=old.extra,
            after=new.extra,
        )


def _required_changes(
    path: str, old: Key, new: Key, old_default: Any, default: Any
) -> Iterator[Change]:
    if must_set(new, default) and not must_set(old, old_default):
        yield Change(
            "newly-required",
            "breaking",
            "required now, with no default: values without it are rejected",
            path=path,
            before=False,
            after=True,
            action=f"set `{path}` in your values",
        )
    elif must_set(old, old_default) and not must_set(new, default):
        yield Change(
            "no-longer-required", "safe", "optional now", path=path, before=True, after=False
        )


def _default_changes(path: str, old: Key, new: Key, was: Any, now: Any) -> Iterator[Change]:
    # A key that had to be set had no default anyone relied on; one that must be set now is
    # reported as required.
    if (was is MISSING and old.required) or (now is MISSING and new.required):
        return
    if was is now or (MISSING not in (was, now) and _canonical((was,)) == _canonical((now,))):
        return
    before = None if was is MISSING else was
    after = None if now is MISSING else now
    keep = f"set `{path}: {show(before)}`" if was is not MISSING else f"set `{path}`"
    yield Change(
        "default-changed",
        "needs-attention",
        f"default {_show_default(was)} → {_show_default(now)}: installs relying on the "
        "default behave differently",
        path=path,
        before=before,
        after=after,
        action=f"{keep} in your values to keep the old behaviour",
    )


def _show_default(value: Any) -> str:
    return "none" if value is MISSING else show(value)


def key_changes(
    old_path: KeyPath,
    new_path: KeyPath,
    old: Key,
    new: Key,
    defaults: tuple[Any, Any],
) -> Iterator[Change]:
    """How ``old`` (at ``old_path`` in the base) became ``new``; ``defaults``: both values.yaml."""
    path = dotted(new_path)
    was = default_at(defaults[0], old_path) if old.is_value else MISSING
    now = default_at(defaults[1], new_path) if new.is_value else MISSING
    yield from _type_changes(path, old, new)
    yield from _required_changes(path, old, new, was, now)
    yield from _enum_changes(path, old, new)
    yield from _bound_changes(path, old, new)
    yield from _extra_changes(path, old, new)
    if old.is_value and new.is_value and ITEMS not in new_path and MAP_VALUES not in new_path:
        yield from _default_changes(path, old, new, was, now)
    if old_path == new_path and old.description != new.description:
        yield Change(
            "description-changed",
            "safe",
            "documentation only",
            path=path,
            before=old.description,
            after=new.description,
        )
