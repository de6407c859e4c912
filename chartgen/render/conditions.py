"""Go template conditions decided as far as the build can, so none is constant in the chart.

A condition known at build time (a required setting is always in use) folds to TRUE or
FALSE and the template writes the guarded text plainly or not at all; ``or``/``and`` of one
operand is that operand. What is left is the condition only a render can answer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cond:
    """A Go template condition; ``go`` is its expression, "" for the constants."""

    go: str  # as written after `if`: no outer parentheses
    constant: bool | None = None  # True/False when known at build time

    @property
    def operand(self) -> str:
        """The expression as an argument of another function."""
        return f"({self.go})" if " " in self.go and not self.go.startswith("(") else self.go

    @property
    def is_true(self) -> bool:
        return self.constant is True

    @property
    def is_false(self) -> bool:
        return self.constant is False


TRUE = Cond("", True)
FALSE = Cond("", False)


def ref(expression: str) -> Cond:
    """A Go expression taken for its truthiness (empty, zero, null and false are false)."""
    return Cond(expression)


def _join(op: str, conds: tuple[Cond, ...], absorbing: Cond, neutral: Cond) -> Cond:
    if any(c.constant is absorbing.constant for c in conds):
        return absorbing
    left = list(dict.fromkeys(c.operand for c in conds if c.constant is None))
    if not left:
        return neutral
    if len(left) == 1:
        return Cond(
            left[0].removeprefix("(").removesuffix(")") if left[0].startswith("(") else left[0]
        )
    return Cond(f"{op} {' '.join(left)}")


def any_of(*conds: Cond) -> Cond:
    return _join("or", conds, TRUE, FALSE)


def all_of(*conds: Cond) -> Cond:
    return _join("and", conds, FALSE, TRUE)


def negate(cond: Cond) -> Cond:
    if cond.constant is not None:
        return FALSE if cond.constant else TRUE
    return Cond(f"not {cond.operand}")
