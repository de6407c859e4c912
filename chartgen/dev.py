"""Dev mode: the in-cluster services a dev install boots, and how app settings reach them.

chartgen knows three kinds of dev service, one per kind of endpoint an evaluation needs
inside the cluster: PostgreSQL (official image), MinIO (S3) and MailDev (SMTP catch-all).
The app's DevMode declaration says which of its settings each provides; the chart then
renders them from the dev services when dev.enabled, and the operator sets none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from chartgen.model.declaration import DevFact
from chartgen.model.spec import ChartSpec, Setting, SpecError
from chartgen.render.conditions import Cond, all_of, ref
from chartgen.render.config_value import ConfigValue


@dataclass(frozen=True)
class DevService:
    component: str  # object name suffix and app.kubernetes.io/component
    kind: str  # the endpoint kind it stands in for
    port: int
    # Go condition under which it runs (besides dev.enabled).
    enabled: str = "true"
    stateful: bool = True  # a StatefulSet (with a volume), not a Deployment


POSTGRESQL = DevService("postgresql", "postgresql", 5432)
MINIO = DevService("minio", "s3", 9000)
MAILDEV = DevService("maildev", "smtp", 1025, enabled=".Values.dev.mail.enabled", stateful=False)
SERVICES = {"postgresql": POSTGRESQL, "s3": MINIO, "smtp": MAILDEV}


@dataclass(frozen=True)
class DevSecret:
    component: str  # the dev service whose kept Secret holds it
    key: str


# Facts that are secrets: (Secret of which dev service, key in it).
SECRET_FACTS: dict[str, DevSecret] = {
    "postgresql.dsn": DevSecret("dev-postgresql", "dsn"),
    "s3.access_key": DevSecret("dev-minio", "accessKey"),
    "s3.secret_key": DevSecret("dev-minio", "secretKey"),
}


def service_of(fact: DevFact) -> DevService:
    return SERVICES[{"postgresql": "postgresql", "s3": "s3", "smtp": "smtp"}[fact.split(".")[0]]]


def plain_value(fact: DevFact, bucket: str) -> ConfigValue:
    """A non-secret fact as the ConfigMap value it renders to."""
    values = {
        "s3.uri": ConfigValue("literal", text=f"s3://{bucket}"),
        "s3.endpoint": ConfigValue("service_url", component="minio", port=MINIO.port),
        "s3.path_style": ConfigValue("literal", text="true"),
        "smtp.host": ConfigValue("service_host", component="maildev"),
        "smtp.port": ConfigValue("literal", text=str(MAILDEV.port)),
        "smtp.tls": ConfigValue("literal", text="false"),
    }
    return values[fact]


def condition(service: DevService) -> Cond:
    """The dev service stands in for its endpoint kind in this render."""
    enabled = ref(".Values.dev.enabled")
    return enabled if service.enabled == "true" else all_of(enabled, ref(service.enabled))


@dataclass(frozen=True)
class DevWiring:
    facts: dict[tuple[str, ...], DevFact]  # setting field path -> fact

    def fact_of(self, setting: Setting) -> DevFact | None:
        return self.facts.get(setting.field_path)

    def kinds(self) -> dict[str, DevService]:
        """Endpoint kinds the dev services stand in for (their settings are all wired)."""
        return {service_of(f).kind: service_of(f) for f in self.facts.values()}

    def services(self) -> tuple[DevService, ...]:
        kinds = self.kinds()
        return tuple(s for s in (POSTGRESQL, MINIO, MAILDEV) if s.kind in kinds)


def dev_wiring(spec: ChartSpec) -> DevWiring | None:
    dev = spec.decl.dev
    if dev is None:
        return None
    facts: dict[tuple[str, ...], DevFact] = {}
    known = {s.field_path for w in spec.workloads for s in w.settings}
    for path, fact in dev.wiring:
        field_path = tuple(path.split("."))
        if field_path not in known:
            raise SpecError(f"dev wiring names {path!r}, which is no setting of any workload")
        facts[field_path] = fact
    wiring = DevWiring(facts)
    for kind, service in wiring.kinds().items():
        unwired = [
            ".".join(s.values_path)
            for s in spec.endpoint_kinds().get(kind, ())
            if s.field_path not in facts
        ]
        if unwired:
            raise SpecError(
                f"dev mode runs {service.component} for {kind}, but {unwired} would still "
                "point elsewhere: wire them in DevMode too"
            )
    return wiring
