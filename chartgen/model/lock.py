"""The roles lock: every leaf setting of every workload, its env name and its role, committed.

For models the vendor does not own, roles come from a role map with a default, so a leaf that
appears in an upgraded app would silently take the default. The lock makes that a decision:
the build fails on any leaf the lock does not list (or lists with another role) until someone
reviews it and runs ``chartgen roles --write``.
"""

from __future__ import annotations

from pathlib import Path

from chartgen.model.spec import ChartSpec, Setting, SpecError

HEADER = (
    "# chartgen roles lock: every leaf setting, the env var the app reads, its chart role.\n"
    "# Written by `chartgen roles --write`; the build fails while it disagrees with the app.\n"
)


def _rows(spec: ChartSpec) -> list[tuple[str, str, str, str]]:
    return [
        (w.name, ".".join(s.field_path), s.env, s.role.label)
        for w in spec.workloads
        for s in w.settings
    ]


def render_lock(spec: ChartSpec) -> str:
    """One `[workload]` section each; a leaf is `path: role`, its env var on the next line."""
    lines = [HEADER.rstrip("\n")]
    current = None
    for workload, path, env, role in _rows(spec):
        if workload != current:
            lines += ["", f"[{workload}]"]
            current = workload
        lines += [f"{path}: {role}", f"  {env}"]
    return "\n".join(lines) + "\n"


def _parse(text: str) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    workload, leaf = "", None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            workload = line.strip("[] ")
        elif line.startswith("  ") and leaf is not None:
            found[(workload, leaf[0])] = (line.strip(), leaf[1])
        else:
            path, _, role = line.partition(": ")
            leaf = (path, role)
    return found


def uses_role_map(spec: ChartSpec) -> bool:
    return bool(spec.decl.roles) or spec.decl.default_role is not None


def check_lock(spec: ChartSpec, lock: Path, regenerate: str = "chartgen roles --write") -> None:
    """Fail unless the lock lists exactly the spec's leaves with the same roles and env names.

    Required when the declaration maps roles; checked whenever the file exists.
    """
    if not lock.exists():
        if uses_role_map(spec):
            raise SpecError(
                f"{lock.name} is missing: the declaration maps roles, so every leaf's role is "
                f"recorded there; review `chartgen roles` and run `{regenerate}`"
            )
        return
    locked = _parse(lock.read_text())
    current = {(w, path): (env, role) for w, path, env, role in _rows(spec)}
    problems = []
    for key in sorted(set(current) - set(locked)):
        env, role = current[key]
        problems.append(f"new leaf {key[0]}: {key[1]} ({env}) would be {role}")
    for key in sorted(set(locked) - set(current)):
        problems.append(f"gone: {key[0]}: {key[1]} ({locked[key][0]}) is no setting any more")
    for key in sorted(set(current) & set(locked)):
        if current[key] != locked[key]:
            (env, role), (old_env, old_role) = current[key], locked[key]
            problems.append(f"changed {key[0]}: {key[1]}: {old_role} {old_env} -> {role} {env}")
    if problems:
        raise SpecError(
            f"{lock.name} disagrees with the app's settings ({len(problems)}):\n  "
            + "\n  ".join(problems)
            + f"\nDecide each role (annotate the field or map it in ChartDeclaration.roles), "
            f"then run `{regenerate}` and commit {lock.name}."
        )


def spec_settings(spec: ChartSpec) -> list[Setting]:
    return [s for w in spec.workloads for s in w.settings]
