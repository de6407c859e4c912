"""Rules about values that the app enforces and the chart checks again at render time.

Declared once on the settings model, a rule is a pydantic validator for the app and, read by
chartgen, a guard in the chart that refuses the same values before any pod starts:

    totp_secret: Annotated[SecretStr | None, SECRET, Shape(pattern=..., message=...)] = None
    _issuer_needs_client = cross_field(RequiredWith("client_id", when="issuer"))

Patterns are matched whole and must mean the same to Python's ``re`` and Go's RE2 (the
chart's ``regexMatch``): classes, repetition and alternation, no look-around or backrefs.
Imported by the app at run time: the standard library and pydantic only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema


def _text(value: Any) -> str | None:
    """The plain text of a value (a secret's content), None when unset."""
    if value is None:
        return None
    raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return raw if isinstance(raw, str) else str(raw)


def is_set(value: Any) -> bool:
    return _text(value) not in (None, "")


@dataclass(frozen=True)
class Shape:
    """A field's form: at least ``min_length`` characters, all of them matching ``pattern``.

    ``message`` says what is expected without quoting the value (it may be a secret).
    """

    message: str
    pattern: str = ""
    min_length: int = 0

    def accepts(self, text: str) -> bool:
        if len(text) < self.min_length:
            return False
        return not self.pattern or re.fullmatch(self.pattern, text) is not None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: Any) -> Any:
        text = _text(value)
        if text is not None and not self.accepts(text):
            raise ValueError(self.message)
        return value


@dataclass(frozen=True)
class RequiredWith:
    """``field`` must be set whenever ``when`` is."""

    field: str
    when: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, self.when)

    def broken_by(self, values: dict[str, Any]) -> bool:
        return is_set(values[self.when]) and not is_set(values[self.field])

    def message(self) -> str:
        return f"{self.field} is required when {self.when} is set"


@dataclass(frozen=True)
class Together:
    """Both set or neither (e.g. the halves of a key pair)."""

    first: str
    second: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.first, self.second)

    def broken_by(self, values: dict[str, Any]) -> bool:
        return is_set(values[self.first]) != is_set(values[self.second])

    def message(self) -> str:
        return f"{self.first} and {self.second} must be set together"


@dataclass(frozen=True)
class AtLeast:
    """Numbers: ``field`` >= ``minimum`` (another field) when both are set."""

    field: str
    minimum: str

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, self.minimum)

    def broken_by(self, values: dict[str, Any]) -> bool:
        low, high = values[self.minimum], values[self.field]
        return low is not None and high is not None and high < low

    def message(self) -> str:
        return f"{self.field} must be at least {self.minimum}"


Rule = RequiredWith | Together | AtLeast
RULES_ATTRIBUTE = "__chartgen_rules__"


def cross_field(*rules: Rule) -> Any:
    """A model validator checking ``rules`` (assign it to a name in the class body); chartgen
    finds the rules on it and emits each as a render-time guard."""

    def check(self: Any) -> Any:
        values = {name: getattr(self, name) for rule in rules for name in rule.fields}
        broken = [rule.message() for rule in rules if rule.broken_by(values)]
        if broken:
            raise ValueError("; ".join(broken))
        return self

    setattr(check, RULES_ATTRIBUTE, rules)
    return model_validator(mode="after")(check)


def rules_of(model: type) -> tuple[Rule, ...]:
    """The cross-field rules declared on a pydantic model (its bases' included)."""
    decorators = getattr(model, "__pydantic_decorators__", None)
    if decorators is None:
        return ()
    found: list[Rule] = []
    for decorator in decorators.model_validators.values():
        func: Callable[..., Any] = decorator.func
        found.extend(getattr(func, RULES_ATTRIBUTE, ()))
    return tuple(found)
