"""The env contract: names come from pydantic-settings, and the build proves them by loading."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chartgen.model.declaration import ChartDeclaration, Workload
from chartgen.model.lock import check_lock, render_lock
from chartgen.model.proof import ContractError, prove, prove_workload
from chartgen.model.spec import SpecError, build_spec
from chartgen.runtime import INTERNAL, SECRET, VALUE, Endpoint, Wired, secret_files_source
from chartgen.runtime.fields import leaves

ROOT = Path(__file__).resolve().parents[2]


# A tree shaped like large third-party apps (Prefect's): nested BaseSettings, each with its
# own prefix, filled by default_factory, no nested delimiter, AliasChoices for legacy names.
class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VENDOR_SERVER_DATABASE_")
    url: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("vendor_server_database_url", "vendor_database_url"),
    )
    pool_size: int = Field(5, ge=1)


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VENDOR_SERVER_")
    port: int = 4200
    analytics: bool = True
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)


class VendorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VENDOR_")
    debug: bool = False
    server: ServerSettings = Field(default_factory=ServerSettings)


ROLES = {
    "server.port": Wired("port"),
    "server.database.url": Endpoint("postgresql", sensitive=True, port=5432),
    "server.database.pool_size": VALUE,
}


def _vendor_chart(**changes: object) -> ChartDeclaration:
    from chartgen.model.declaration import Port

    workload = Workload(
        name="server",
        description="The vendor's server.",
        settings=VendorSettings,
        command=("vendor", "serve"),
        ports=(Port("http", 4200),),
    )
    fields = {
        "name": "vendor",
        "description": "A vendor app.",
        "version": "0.1.0",
        "app_version": "1.0.0",
        "image_registry": "ghcr.io",
        "image_repository": "vendor/app",
        "workloads": (workload,),
        "secrets": "env",
        "roles": ROLES,
        "default_role": INTERNAL,
    }
    return ChartDeclaration(**{**fields, **changes})


def test_env_names_are_the_libraries_not_root_prefix_and_delimiter() -> None:
    names = {".".join(leaf.path): leaf.env_names for leaf in leaves(VendorSettings)}
    assert names["debug"] == ("VENDOR_DEBUG",)
    assert names["server.port"] == ("VENDOR_SERVER_PORT",)
    # Each alias choice is a whole env name; the one carrying the class prefix comes first.
    assert names["server.database.url"] == ("VENDOR_SERVER_DATABASE_URL", "VENDOR_DATABASE_URL")
    assert names["server.database.pool_size"] == ("VENDOR_SERVER_DATABASE_POOL_SIZE",)


def test_the_build_proves_every_delivered_setting() -> None:
    spec = build_spec(_vendor_chart())
    assert prove(spec) == {"server": 3}  # wired port, secret env, pool size


def test_the_proof_fails_on_the_name_chartgen_used_to_render() -> None:
    """chartgen's former rule (root prefix + "__" path) on a Prefect-shaped tree: the app
    never reads VENDOR_SERVER__DATABASE__POOL_SIZE, and the build says so."""
    spec = build_spec(_vendor_chart())
    workload = spec.workloads[0]
    wrong = tuple(
        dataclasses.replace(s, env="VENDOR_" + "__".join(s.field_path).upper())
        if s.field_path == ("server", "database", "pool_size")
        else s
        for s in workload.settings
    )
    with pytest.raises(ContractError) as error:
        prove_workload(dataclasses.replace(workload, settings=wrong), spec)
    message = str(error.value)
    assert "DatabaseSettings.pool_size" in message
    assert "VENDOR_SERVER__DATABASE__POOL_SIZE" in message
    assert "the app read 5" in message


class FlatSecrets(BaseSettings):
    """Reads secret files with pydantic-settings' plain source: top-level fields only."""

    model_config = SettingsConfigDict(
        env_prefix="APP_", env_nested_delimiter="__", secrets_dir="/run/secrets/app"
    )

    class Db(BaseModel):
        password: Annotated[SecretStr, SECRET]

    db: Db


class NestedSecrets(FlatSecrets):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls,
        init_settings,
        env_settings,
        dotenv_settings,
        file_secret_settings,
    ):
        return init_settings, env_settings, secret_files_source(file_secret_settings)


def _files_chart(settings: type[BaseSettings]) -> ChartDeclaration:
    return _vendor_chart(
        workloads=(Workload("app", "An app.", settings, ("app",)),),
        roles={},
        default_role=None,
        secrets="files",
    )


def test_secret_files_the_app_does_not_read_fail_the_build() -> None:
    with pytest.raises(ContractError, match="APP_DB__PASSWORD"):
        prove(build_spec(_files_chart(FlatSecrets)))
    assert prove(build_spec(_files_chart(NestedSecrets))) == {"app": 1}


def test_a_nested_model_without_delimiter_needs_a_role_for_the_whole() -> None:
    class Tls(BaseModel):
        enabled: bool = False

    class App(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APP_")
        tls: Tls = Tls()

    chart = _vendor_chart(
        workloads=(Workload("app", "An app.", App, ("app",)),), roles={}, default_role=None
    )
    with pytest.raises(SpecError, match=r"App.tls: the app reads this Tls only as one JSON value"):
        build_spec(chart)
    spec = build_spec(dataclasses.replace(chart, roles={"tls": VALUE}))
    (setting,) = spec.workloads[0].settings
    assert (setting.env, setting.encoding) == ("APP_TLS", "json")
    assert prove(spec) == {"app": 1}


def test_unmapped_paths_in_the_role_map_are_refused() -> None:
    with pytest.raises(SpecError, match=r"server.databse.url"):
        build_spec(_vendor_chart(roles={**ROLES, "server.databse.url": VALUE}))


def test_the_lock_holds_the_app_to_its_decided_roles(tmp_path: Path) -> None:
    spec = build_spec(_vendor_chart())
    lock = tmp_path / "chartgen.lock"
    with pytest.raises(SpecError, match=r"chartgen\.lock is missing"):
        check_lock(spec, lock)
    lock.write_text(render_lock(spec))
    check_lock(spec, lock)
    # An upgraded app gains a leaf: the default role would take it silently, the lock not.
    lock.write_text(render_lock(spec).replace("debug: internal\n  VENDOR_DEBUG\n", ""))
    with pytest.raises(
        SpecError, match=r"new leaf server: debug \(VENDOR_DEBUG\) would be internal"
    ):
        check_lock(spec, lock)
    lock.write_text(render_lock(spec) + "gone_setting: value\n  VENDOR_GONE\n")
    with pytest.raises(SpecError, match="gone: server: gone_setting"):
        check_lock(spec, lock)


CONSTANT = re.compile(r"else if true|\(or true|\(or [^ ()]+\)|if true\b")


def constant_conditions(templates: Path) -> list[str]:
    """Lines of a chart's templates holding a condition known at build time."""
    return [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(templates.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if CONSTANT.search(line)
    ]


@pytest.mark.parametrize("chart", ["lookout"])
def test_no_condition_known_at_build_time_reaches_the_chart(chart: str) -> None:
    assert constant_conditions(ROOT / "generated" / chart / "templates") == []
