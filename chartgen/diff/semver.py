"""The semver gate: does the chart's version bump cover its changes?

A breaking change needs a major bump, but while the base chart is 0.x a minor one (semver
reserves 0.x for unstable APIs, and Helm charts commonly bump minor for breaking changes
there). Any other change needs at least a patch: a chart that changed is a new release.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from chartgen.diff.model import Change

Bump = Literal["none", "patch", "minor", "major"]
RANK: dict[str, int] = {"none": 0, "patch": 1, "minor": 2, "major": 3}
SEMVER = re.compile(
    r"v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?"
)


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bumped(self, bump: Bump) -> Version:
        if bump == "major":
            return Version(self.major + 1, 0, 0)
        if bump == "minor":
            return Version(self.major, self.minor + 1, 0)
        if bump == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        return self


def parse_version(text: str) -> Version:
    # Pre-release and build suffixes do not change which bump a release is.
    match = SEMVER.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    return Version(int(match["major"]), int(match["minor"]), int(match["patch"]))


def bump_between(base: Version, current: Version) -> Bump | Literal["downgrade"]:
    if current < base:
        return "downgrade"
    if current.major > base.major:
        return "major"
    if current.minor > base.minor:
        return "minor"
    return "patch" if current.patch > base.patch else "none"


def required_bump(changes: Iterable[Change], base: Version) -> Bump:
    classes = {change.classification for change in changes}
    if "breaking" in classes:
        return "minor" if base.major == 0 else "major"
    return "patch" if classes else "none"


@dataclass(frozen=True)
class Verdict:
    base: str
    current: str
    bump: str  # none | patch | minor | major | downgrade
    required: Bump
    ok: bool
    message: str

    def as_json(self) -> dict[str, object]:
        return {
            "bump": self.bump,
            "required": self.required,
            "ok": self.ok,
            "message": self.message,
        }


def verdict(base_text: str, current_text: str, changes: Iterable[Change]) -> Verdict:
    base, current = parse_version(base_text), parse_version(current_text)
    changes = list(changes)
    bump = bump_between(base, current)
    need = required_bump(changes, base)
    ok = bump != "downgrade" and RANK[bump] >= RANK[need]
    what = (
        "a downgrade" if bump == "downgrade" else "no bump" if bump == "none" else f"a {bump} bump"
    )
    breaking = any(c.classification == "breaking" for c in changes)
    why = (
        "breaking changes on 0.x"
        if breaking and need == "minor"
        else "breaking changes"
        if breaking
        else "these changes"
    )
    if bump == "downgrade":
        message = f"{current_text} is older than {base_text}: a release never goes back."
    elif need == "none":
        message = f"{current_text} is {what} from {base_text}, and nothing changed."
    elif ok:
        message = f"{current_text} is {what} from {base_text}; {why} need a {need} bump."
    else:
        message = (
            f"{current_text} is {what} from {base_text}; {why} need a {need} bump "
            f"(e.g. {base.bumped(need)})."
        )
    return Verdict(base_text, current_text, bump, need, ok, message)
