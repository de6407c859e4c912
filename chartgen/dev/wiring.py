"""The app's DevMode checked against its settings and the plugins, once per spec."""

from __future__ import annotations

from dataclasses import dataclass

from chartgen.dev.base import DevPlugin, Fact, SecretKey
from chartgen.model.spec import ChartSpec, Setting, SpecError


@dataclass(frozen=True)
class Source:
    """What a wired setting reads in dev mode: fact ``name`` ("<kind>.<fact>") of ``plugin``."""

    name: str
    plugin: DevPlugin
    value: Fact

    @property
    def secret(self) -> tuple[str, str] | None:
        """(Object name suffix of the plugin's kept Secret, key) of a secret fact."""
        return (self.plugin.secret, self.value.key) if isinstance(self.value, SecretKey) else None


@dataclass(frozen=True)
class DevWiring:
    sources: dict[tuple[str, ...], Source]  # setting field path -> what it reads in dev mode
    plugins: tuple[DevPlugin, ...]  # the stand-ins dev mode runs, in registry order

    def fact_of(self, setting: Setting) -> Source | None:
        return self.sources.get(setting.field_path)

    def kinds(self) -> dict[str, DevPlugin]:
        """Endpoint kinds the dev services stand in for (their settings are all wired)."""
        return {p.kind: p for p in self.plugins}


def dev_wiring(spec: ChartSpec, builtin: tuple[DevPlugin, ...]) -> DevWiring | None:
    mode = spec.decl.dev
    if mode is None:
        return None
    # A project's plugin for a kind chartgen also covers takes the place of chartgen's.
    plugins = {p.kind: p for p in (*builtin, *mode.plugins)}
    known = {s.field_path: s for w in spec.workloads for s in w.settings}
    sources: dict[tuple[str, ...], Source] = {}
    for path, name in mode.wiring:
        setting = known.get(tuple(path.split(".")))
        if setting is None:
            raise SpecError(f"dev wiring names {path!r}, which is no setting of any workload")
        kind, _, fact = name.partition(".")
        if kind not in plugins:
            listed = ", ".join(f"{p.component} ({k}.*)" for k, p in plugins.items())
            raise SpecError(
                f"dev wiring of {path!r}: no dev plugin stands in for {kind!r} ({name!r}); "
                f"the plugins are {listed}, and DevMode.plugins adds the project's own"
            )
        facts = plugins[kind].facts(mode)
        if fact not in facts:
            raise SpecError(
                f"dev wiring of {path!r}: {plugins[kind].component} provides no {name!r}; "
                f"its facts: {', '.join(f'{kind}.{f}' for f in facts)}"
            )
        source = sources[setting.field_path] = Source(name, plugins[kind], facts[fact])
        if setting.sensitive != bool(source.secret):
            raise SpecError(
                f"dev wiring of {path!r}: the setting is "
                + ("a secret but " if setting.sensitive else "no secret but ")
                + f"{name!r} is {'kept in a Secret' if source.secret else 'a plain value'}"
            )
    used = {s.plugin.kind for s in sources.values()}
    wiring = DevWiring(sources, tuple(p for p in plugins.values() if p.kind in used))
    for plugin in wiring.plugins:
        unwired = [
            ".".join(s.values_path)
            for s in spec.endpoint_kinds().get(plugin.kind, ())
            if s.field_path not in sources
        ]
        if unwired:
            raise SpecError(
                f"dev mode runs {plugin.component} for {plugin.kind}, but {unwired} would "
                "still point elsewhere: wire them in DevMode too"
            )
    return wiring
