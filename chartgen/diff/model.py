"""One reported difference between two charts, classified for whoever upgrades."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Classification = Literal["breaking", "needs-attention", "safe"]
CLASSIFICATIONS: tuple[Classification, ...] = ("breaking", "needs-attention", "safe")


@dataclass(frozen=True)
class Change:
    """A values key (``path``) or a rendered object (``object``, maybe ``field``) that changed.

    ``reason`` says in one line why it has its classification; ``action`` what an operator
    does about it (empty for safe changes). ``renders`` names the preset × example renders
    in which a rendered change shows.
    """

    kind: str
    classification: Classification
    reason: str
    path: str | None = None
    object: str | None = None
    field: str | None = None
    before: Any = None
    after: Any = None
    action: str = ""
    renders: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        if self.path is not None:
            return f"`{self.path}`" if self.path else "the values root"
        if self.field:
            return f"{self.object} `{self.field}`"
        return str(self.object)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.path is not None:
            out["path"] = self.path
        if self.object is not None:
            out["object"] = self.object
        if self.field is not None:
            out["field"] = self.field
        out |= {
            "classification": self.classification,
            "reason": self.reason,
            "before": self.before,
            "after": self.after,
        }
        if self.action:
            out["action"] = self.action
        if self.renders:
            out["renders"] = list(self.renders)
        return out
