"""The chart's templates/: Go templates rendered from the Jinja sources in templates/.

Jinja uses ``<< >>`` / ``<% %>`` / ``<# #>`` so Helm's ``{{ }}`` passes through untouched,
and StrictUndefined turns a typo in a source into a build error instead of an empty string.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2

from chartgen.dev import DevWiring, SecretKey
from chartgen.env import (
    SecretEntry,
    any_in_use,
    budget_entries,
    config_entries,
    group_of,
    is_dev_generated,
    is_generated,
    key_ref,
    managed_secret_values,
    member,
    random_value,
    secret_entries,
    secret_suffix,
    values_ref,
)
from chartgen.model.spec import ChartSpec, Group, Setting, SpecError, WorkloadSpec
from chartgen.model.value_rules import value_guards
from chartgen.render.conditions import FALSE, TRUE, Cond, all_of, any_of, negate
from chartgen.render.conditions import ref as ref_cond
from chartgen.render.go_lines import fit_lines
from chartgen.retired import retired_keys

CHART_TEMPLATES = (
    "_helpers.tpl",
    "_validate.tpl",
    "validate.yaml",
    "secrets.yaml",
    "ingress.yaml",
    "networkpolicy.yaml",
    "extra-objects.yaml",
    "NOTES.txt",
)
# Longest object-name suffix the chart appends to the fullname, plus its dash.
SUFFIX_ROOM = 1


@functools.cache
def jinja_environment(templates: Path, *more: Path) -> jinja2.Environment:
    """One environment per templates directory (and the directories of the project's dev
    plugins' templates, ``more``) and process: it keeps the templates it has loaded
    (reloading one whose file changed, Jinja's auto_reload), where a new environment per
    build read and unpickled every template again."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([templates, *more]),
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        # Compiled templates are cached on disk, keyed by source checksum: each build (one per
        # process from the CLI) then skips Jinja's compiler.
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
    )
    env.filters["rstrip"] = str.rstrip
    env.filters["go_text"] = go_text
    env.filters["rel_cond"] = lambda setting, group: ref_cond(
        "." + ".".join(setting.values_path[len(group.values_path) :])
    )
    env.tests["generated_secret"] = is_generated
    env.filters["generated_secret"] = is_generated
    env.tests["dev_generated_secret"] = is_dev_generated
    env.filters["dev_generated_secret"] = is_dev_generated
    env.globals.update(
        values_ref=values_ref,
        key_ref=key_ref,
        member=member,
        values_ref_rel=lambda group, setting: (
            "." + ".".join(setting.values_path[len(group.values_path) :])
        ),
        secret_suffix=secret_suffix,
        budget_entries=budget_entries,
        any_in_use=any_in_use,
        any_of=any_of,
        TRUE=TRUE,
        FALSE=FALSE,
        all_of=all_of,
        negate=negate,
        cond=ref_cond,
        random_value=random_value,
    )
    return env


# The longest name of each object kind the chart appends a suffix to: a DNS label, less for a
# StatefulSet, whose pods carry a controller-revision-hash label of its name plus 11 chars.
NAME_LIMIT = 63
STATEFULSET_NAME_LIMIT = 52
HASH_ROOM = "-0123abcd"  # Job names carrying a hash of their spec


def _fullname_max(spec: ChartSpec) -> int:
    """Room for the fullname so that every object name the chart makes stays valid."""
    suffixes = [w.name for w in spec.workloads]
    suffixes += [f"{w.name}{HASH_ROOM}" for w in spec.workloads if w.decl.traits.kind == "Job"]
    suffixes += [
        f"{w.name}-{secret_suffix(g)}" for w in spec.workloads for g in hook_groups(w, spec)
    ]
    suffixes += [secret_suffix(g) for g in spec.groups()] + ["tls"]
    plugins = spec.dev.plugins if spec.dev else ()
    for plugin in plugins:
        suffixes += [plugin.component, plugin.secret, *(f"{j}{HASH_ROOM}" for j in plugin.jobs)]
    stateful = [p.component for p in plugins if p.stateful]
    room = [NAME_LIMIT - len(s) - SUFFIX_ROOM for s in suffixes]
    # A kind whose object names must be shorter (a CronJob's Jobs add 11 characters).
    room += [w.decl.traits.name_limit - len(w.name) - SUFFIX_ROOM for w in spec.workloads]
    room += [STATEFULSET_NAME_LIMIT - len(s) - SUFFIX_ROOM for s in stateful]
    return min(room)


def go_text(text: str, indent: str = "  ", width: int = 96) -> str:
    """A Go string expression for ``text``: one literal, or for a long text a `print` of
    short literals on their own lines, so no line of the chart needs sideways scrolling."""
    literal = json.dumps(text, ensure_ascii=False)
    if len(literal) <= width:
        return literal
    chunks, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) > width - 8:
            chunks.append(line)
            line = ""
        line += word + " "
    chunks.append(line[:-1])
    parts = "".join(f"\n{indent}{json.dumps(c, ensure_ascii=False)}" for c in chunks)
    return f"(print{parts})"


def hook_groups(workload: WorkloadSpec, spec: ChartSpec) -> tuple[Group, ...]:
    if not workload.decl.hook:
        return ()
    used = {group_of(s, spec).values_path for s in workload.settings if s.sensitive}
    return tuple(g for g in spec.groups() if g.values_path in used)


def _required_secrets(spec: ChartSpec) -> list[tuple[Group, Setting, str, str]]:
    """Secrets the app cannot start without and the chart may not make up, each with the
    other keys an existingSecret for its section must hold too (as kubectl literals)."""
    return [
        (group, setting, group.secret_key(setting), _companion_literals(group, setting))
        for group in spec.groups()
        for setting in group.secrets
        if setting.required and not is_generated(setting)
    ]


def _companion_literals(group: Group, setting: Setting) -> str:
    """` --from-literal=key="$(command)"` for every other key the section's existingSecret
    needs: with an existingSecret the chart generates nothing, so generated keys go in too."""
    parts = []
    for other in group.secrets:
        if other is setting or not (other.required or is_generated(other)):
            continue
        role = other.role
        hint = (
            getattr(role, "create_hint", "")
            or f"openssl rand -hex {getattr(role, 'generate', 0) or 32}"
        )
        parts.append(f' --from-literal={group.secret_key(other)}="$({hint})"')
    return "".join(parts)


def _secret_inputs(
    workload: WorkloadSpec, spec: ChartSpec, secrets: list[SecretEntry]
) -> list[str]:
    """The values the workload's secrets are made of, one by one: each secret's value, its
    section's existingSecret and key (Helm 3 keeps null keys that Helm 4 drops, so whole
    sections would hash differently on the two lines), and dev.enabled."""
    refs = set()
    for entry, setting in zip(secrets, (s for s in workload.settings if s.sensitive), strict=True):
        group = values_ref(group_of(setting, spec).values_path)
        refs |= {entry.value_ref, f"{group}.existingSecret", entry.key_ref}
    if spec.dev and any(e.dev for e in secrets):
        refs.add(".Values.dev.enabled")
    return sorted(refs)


def _workload_files(workload: WorkloadSpec) -> list[tuple[str, str]]:
    main = workload.decl.traits.template
    files = [("configmap.yaml", "configmap.yaml"), ("serviceaccount.yaml", "serviceaccount.yaml")]
    files.append((main, main))
    if workload.decl.ports:
        files.append(("service.yaml", "service.yaml"))
    if workload.scalable:
        files += [("hpa.yaml", "hpa.yaml"), ("pdb.yaml", "pdb.yaml")]
    files.append(("networkpolicy.yaml", "networkpolicy.yaml"))
    return files


def sections_by_parent(sections: list[str]) -> dict[str, list[str]]:
    """Each section's sub-sections by key, by its dotted path ("" is the root), parents
    first (a path sorts before every path it starts)."""
    children: dict[str, list[str]] = {}
    for path in sections:
        parent, _, key = path.rpartition(".")
        children.setdefault(parent, []).append(key)
    return dict(sorted(children.items()))


def render_templates(
    spec: ChartSpec, templates: Path, header: str, sections: list[str] | None = None
) -> dict[str, str]:
    chart = spec.name
    has_url = bool(spec.decl.public_url_setting)
    public_setting = spec.setting_at(_public_url_path(spec)) if has_url else None
    entry = _entry_point(spec)
    wiring = spec.dev
    plugins = wiring.plugins if wiring else ()
    # The project's own dev plugins may keep their templates beside their modules.
    own = dict.fromkeys(p.template_dir for p in plugins if p.template_dir is not None)
    env = jinja_environment(templates, *own)
    common = {
        "chart": chart,
        "spec": spec,
        "header_tpl": header,
        "header_yaml": header,
        "fullname_max": _fullname_max(spec),
        "sections": sections_by_parent(sections or []),
        "secret_groups": [g for g in spec.groups() if g.secrets],
        "required_secrets": _required_secrets(spec),
        "value_guards": value_guards(spec),
        "public_url_ref": values_ref(public_setting.values_path) if public_setting else "",
        "routed": spec.routes_public,
        "ingress_paths": sorted(
            ((p.path, w.name, p.port) for w in spec.workloads for p in w.decl.ingress),
            key=lambda item: (-len(item[0]), item[0]),
        ),
        "entry_workload": entry[0],
        "entry_port": entry[1],
        "secrets_dir": spec.decl.secrets_dir,
        "has_dev": spec.decl.dev is not None,
        "dev": spec.decl.dev,
        "dev_services": plugins,
        "dev_wired": wiring.sources if wiring else {},  # field paths of the wired settings
        "kind_users": {
            kind: [w.name for w in spec.workloads if kind in w.endpoints()]
            for kind in spec.endpoint_kinds()
        },
        "managed_secret_values": managed_secret_values,
        "dev_relief": lambda setting: _dev_relief(setting, wiring),
        "dev_kinds": wiring.kinds() if wiring else {},
        "dev_required_values": list(
            {
                s.values_path: s
                for w in spec.workloads
                for s in w.settings
                if wiring and s.required and not s.sensitive and wiring.fact_of(s)
            }.values()
        ),
        "endpoint_kinds": spec.endpoint_kinds(),
        "managed_env": [(w.name, _managed_env(w)) for w in spec.workloads],
        "login": _bootstrap_login(spec),
        "retired": retired_keys(spec),
        "generated": [
            (g, s)
            for g in spec.groups()
            for s in g.secrets
            if is_generated(s) or is_dev_generated(s)
        ],
    }
    out: dict[str, str] = {}
    for name in CHART_TEMPLATES:
        if name == "ingress.yaml" and not spec.routes_public:
            continue  # no public URL, or no workload routes a path of it
        out[f"templates/{name}"] = env.get_template(f"{name}.j2").render(common)
    mode = spec.decl.dev
    # Only a stand-in with SecretKey facts keeps a Secret (its template's kept_secret()).
    if mode and any(isinstance(f, SecretKey) for p in plugins for f in p.facts(mode).values()):
        out["templates/dev/secrets.yaml"] = env.get_template("dev/secrets.yaml.j2").render(common)
    for plugin in plugins:
        text = env.get_template(plugin.template).render({**common, "plugin": plugin})
        out[f"templates/dev/{plugin.component}.yaml"] = text
    for workload in spec.workloads:
        secrets = secret_entries(workload, spec)
        # The stand-ins its pods wait for in dev mode (chartgen.dev.base.DevPlugin.awaited).
        waits = [p for p in plugins if p.awaited and p.kind in workload.endpoints()]
        context = {
            **common,
            "w": workload,
            "config": config_entries(workload, spec),
            "secrets": secrets,
            "secret_files": secrets if spec.decl.secrets == "files" else [],
            "secret_envs": secrets if spec.decl.secrets == "env" else [],
            "secret_inputs": _secret_inputs(workload, spec, secrets),
            "secret_volume": any_of(
                *(any_of(s.dev.plugin.condition, s.in_use) if s.dev else s.in_use for s in secrets)
            ),
            "budgets": budget_entries(workload),
            "hook_groups": hook_groups(workload, spec),
            "calls": [(t, spec.workload(t).port(p)) for t, p in workload.calls],
            "callers": [(c, workload.port(p)) for c, p in spec.callers(workload.name)],
            "public_ports": sorted({workload.port(p.port) for p in workload.decl.ingress}),
            "client_ports": sorted(p.number for p in workload.decl.ports if p.clients),
            "peer_ports": sorted(workload.port(name) for name in workload.decl.peer_ports),
            "endpoints": workload.endpoints(),
            "dev_waits": waits,
            "dev_waiting": any_of(*(p.condition for p in waits)),
        }
        for source, target in _workload_files(workload):
            text = env.get_template(f"workload/{source}.j2").render(context)
            out[f"templates/{workload.name}/{target}"] = text
        if context["hook_groups"]:
            text = env.get_template("workload/hook-secrets.yaml.j2").render(context)
            out[f"templates/{workload.name}/hook-secrets.yaml"] = text
    return {path: fit_lines(text) for path, text in out.items()}


def _managed_env(workload: WorkloadSpec) -> list[tuple[str, str]]:
    """(env var, what sets it) of every variable the chart renders for a workload."""
    found = []
    for setting in workload.settings:
        if setting.delivery == "none":
            continue
        if setting.delivery == "downward":
            where = "from the pod's resources"
        elif setting.delivery == "wired":
            where = "wired by the chart"
        else:
            where = ".".join(setting.values_path)
        found.append((setting.env, where))
    return found


def _dev_relief(setting: Setting, wiring: DevWiring | None) -> Cond:
    """Go condition under which dev mode supplies a setting the operator must otherwise set."""
    if wiring is None:
        return FALSE
    source = wiring.fact_of(setting)
    if source is not None:
        return source.plugin.condition
    return ref_cond(".Values.dev.enabled") if is_dev_generated(setting) else FALSE


def _bootstrap_login(spec: ChartSpec) -> tuple[Setting, Setting, Group, str] | None:
    """The first login's user and password settings, the password's group and Secret key."""
    if spec.decl.bootstrap_login is None:
        return None
    user, password = (_exposed_setting(spec, path) for path in spec.decl.bootstrap_login)
    group = group_of(password, spec)
    return user, password, group, group.secret_key(password)


def _exposed_setting(spec: ChartSpec, field_path: str) -> Setting:
    return spec.setting_at(_values_path(spec, field_path))


def _public_url_path(spec: ChartSpec) -> tuple[str, ...]:
    return _values_path(spec, spec.decl.public_url_setting)


def _values_path(spec: ChartSpec, dotted: str) -> tuple[str, ...]:
    setting = spec.setting_named(dotted, exposed=True)
    if setting is None:
        raise SpecError(f"{dotted!r} (in the chart declaration) is no exposed setting")
    return setting.values_path


def _entry_point(spec: ChartSpec) -> tuple[str, int]:
    """The workload serving "/" on the public host, for port-forward instructions."""
    for workload in spec.workloads:
        for path in workload.decl.ingress:
            if path.path == "/":
                return workload.name, workload.port(path.port)
    served = [w for w in spec.workloads if w.decl.ports]
    if not served:
        return "", 0
    return served[0].name, served[0].decl.ports[0].number
