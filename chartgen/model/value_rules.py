"""What the app's models state about values, as schema patterns and render-time guards.

A setting's URL type and its ``Shape`` become a schema pattern when the value is plain, and a
guard when it is a secret (a schema error would print the value). Cross-field rules
(``cross_field``) become guards. Each guard names the values key and what to do.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from dataclasses import dataclass
from typing import Any

from chartgen.env import in_use, values_ref
from chartgen.model.spec import ChartSpec, Setting
from chartgen.render.conditions import Cond, all_of, any_of, negate
from chartgen.render.conditions import ref as ref_cond
from chartgen.runtime.rules import AtLeast, RequiredWith, Rule, Shape, Together, rules_of

# pydantic's URL types say only `format: uri`, which the schema drops (Helm lines disagree on
# formats): a pattern keeps "lookout.example.com" or "collector:4318" from reaching the app.
# Hosts are ASCII DNS names or IP literals (punycode for IDNs), ports at most 65535, and no
# control characters anywhere (Go's url.Parse, which the chart uses, refuses those).
_VISIBLE = r"[^\s\x00-\x1f\x7f]"
_LABEL = r"[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?"
_HOST = rf"({_LABEL}(\.{_LABEL})*|\[[0-9A-Fa-f]{{0,4}}(:[0-9A-Fa-f]{{0,4}}){{2,7}}\])"
_PORT = r"(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
_REST = rf"(([^\s\x00-\x1f\x7f/?#@]+@)?{_HOST}{_PORT}([/?#]{_VISIBLE}*)?)"
HTTP_URL_PATTERN = rf"^[hH][tT][tT][pP][sS]?://{_REST}$"
ANY_URL_PATTERN = rf"^[a-zA-Z][a-zA-Z0-9+.-]*://{_VISIBLE}+$"


@dataclass(frozen=True)
class Guard:
    """A render-time refusal: ``cond`` holds for bad values; ``message`` (a printf format
    when ``args`` are given) starts with the values key."""

    cond: Cond
    message: str
    args: tuple[str, ...] = ()


def _flat_args(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    if not args:
        return [annotation]
    return [leaf for arg in args for leaf in _flat_args(arg)]


def _schemes(annotation: Any) -> list[str]:
    for arg in _flat_args(annotation):
        constraints = getattr(arg, "_constraints", None)
        if constraints is not None and getattr(constraints, "allowed_schemes", None):
            return list(constraints.allowed_schemes)
    return []


def url_pattern(annotation: Any) -> str | None:
    """The pattern for a setting typed as a pydantic URL (or Optional of one), else None."""
    try:
        return _url_pattern(annotation)
    except TypeError:  # an unhashable annotation: not worth a cache
        return _url_pattern.__wrapped__(annotation)


@functools.cache  # asked for every setting; a chart has few distinct types
def _url_pattern(annotation: Any) -> str | None:
    names = {getattr(arg, "__name__", "") for arg in _flat_args(annotation)}
    if names & {"HttpUrl", "AnyHttpUrl"}:
        return HTTP_URL_PATTERN
    schemes = _schemes(annotation)
    if schemes:
        return "^(" + "|".join(re.escape(s) for s in schemes) + rf")://{_VISIBLE}+$"
    if any(name.endswith(("Url", "Dsn")) for name in names):
        return ANY_URL_PATTERN
    return None


def url_message(annotation: Any) -> str:
    schemes = _schemes(annotation)
    if schemes:
        return f"must be a {schemes[0]}:// URL (schemes accepted: {', '.join(schemes)})"
    return "must be a URL with a scheme, e.g. https://host/path"


def shapes(setting: Setting) -> tuple[Shape, ...]:
    return tuple(m for m in setting.field.metadata if isinstance(m, Shape))


def schema_constraints(setting: Setting) -> dict[str, Any]:
    """JSON-schema keywords for a plain (non-secret) setting: its URL pattern and Shapes."""
    extra: dict[str, Any] = {}
    patterns = [url_pattern(setting.field.annotation)]
    for shape in shapes(setting):
        patterns.append(f"^(?:{shape.pattern})$" if shape.pattern else None)
        if shape.min_length:
            extra["minLength"] = max(shape.min_length, extra.get("minLength", 0))
    found = [p for p in patterns if p]
    if len(found) == 1:
        extra["pattern"] = found[0]
    elif found:
        extra["allOf"] = [{"pattern": p} for p in found]
    return extra


def _path(setting: Setting) -> str:
    return ".".join(setting.values_path)


def _secret_guards(setting: Setting) -> list[Guard]:
    """A secret's form, checked on the plain value in values (an existingSecret is unseen)."""
    value = values_ref(setting.values_path)
    found = []
    pattern = url_pattern(setting.field.annotation)
    if pattern:
        bad = negate(ref_cond(f"regexMatch {_go(pattern)} (toString {value})"))
        found.append((bad, url_message(setting.field.annotation)))
    for shape in shapes(setting):
        checks = []
        if shape.min_length:
            checks.append(ref_cond(f"lt (len (toString {value})) {shape.min_length}"))
        if shape.pattern:
            match = f"regexMatch {_go(f'^(?:{shape.pattern})$')} (toString {value})"
            checks.append(negate(ref_cond(match)))
        found.append((any_of(*checks), shape.message))
    return [
        Guard(all_of(ref_cond(value), bad), f"{_path(setting)}: {text} (the value is not shown).")
        for bad, text in found
    ]


def _go(text: str) -> str:
    """A Go string literal (JSON's escapes are Go's)."""
    return json.dumps(text)


def _rule_guard(rule: Rule, fields: dict[str, Setting], spec: ChartSpec) -> Guard | None:
    if isinstance(rule, RequiredWith):
        field, when = fields[rule.field], fields[rule.when]
        cond = all_of(in_use(when, spec), negate(in_use(field, spec)))
        return Guard(cond, f"{_path(field)}: required when {_path(when)} is set; set it too.")
    if isinstance(rule, Together):
        first, second = in_use(fields[rule.first], spec), in_use(fields[rule.second], spec)
        if first.constant is not None or second.constant is not None:
            return None  # one is always set: the other's own requiredness decides
        cond = Cond(f"ne {negate(first).operand} {negate(second).operand}")
        names = f"{_path(fields[rule.first])} and {_path(fields[rule.second])}"
        return Guard(cond, f"{names}: set both or neither.")
    if isinstance(rule, AtLeast):
        high, low = (
            values_ref(fields[rule.field].values_path),
            values_ref(fields[rule.minimum].values_path),
        )
        cond = all_of(
            negate(ref_cond(f'kindIs "invalid" {high}')),
            negate(ref_cond(f'kindIs "invalid" {low}')),
            ref_cond(f"lt (float64 {high}) (float64 {low})"),
        )
        at, floor = _path(fields[rule.field]), _path(fields[rule.minimum])
        text = f"{at} (%v) is below {floor} (%v); raise {at} or lower {floor}."
        return Guard(cond, text, (_number(fields[rule.field]), _number(fields[rule.minimum])))
    raise AssertionError(rule)


def _number(setting: Setting) -> str:
    """The setting's value for a message: Helm reads numbers as floats; ints print as ints."""
    value = values_ref(setting.values_path)
    return f"(int64 {value})" if int in _flat_args(setting.field.annotation) else value


def value_guards(spec: ChartSpec) -> tuple[Guard, ...]:
    """Every guard of the app's value rules, once per values key."""
    settings = {s.values_path: s for w in spec.workloads for s in w.settings if s.values_path}
    guards: list[Guard] = []
    for setting in settings.values():
        if setting.sensitive:
            guards += _secret_guards(setting)
    seen: set[tuple[type, Rule]] = set()
    for setting in settings.values():
        owner = setting.owner
        for rule in rules_of(owner):
            if (owner, rule) in seen:
                continue
            seen.add((owner, rule))
            fields = _fields_of(rule, setting, settings.values())
            if fields is None:
                continue  # a field the chart does not expose: the app alone checks it
            guard = _rule_guard(rule, fields, spec)
            if guard is not None:
                guards.append(guard)
    return tuple(guards)


def _fields_of(
    rule: Rule, setting: Setting, settings: typing.Iterable[Setting]
) -> dict[str, Setting] | None:
    """The rule's fields as settings of the same model instance (same values group)."""
    group = setting.values_path[:-1]
    found = {
        s.field_name: s
        for s in settings
        if s.owner is setting.owner and s.values_path[:-1] == group and s.field_name in rule.fields
    }
    return found if len(found) == len(set(rule.fields)) else None
