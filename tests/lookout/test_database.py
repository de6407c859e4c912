"""``python -m lookout migrate`` and ``check-database`` against a real PostgreSQL.

The server comes from ``make postgres`` (tools/postgres.sh), which ``make test`` runs first;
CHARTGEN_TEST_POSTGRES_DSN points elsewhere. Each test gets a throwaway database owned by
a throwaway app role, and runs the commands as the chart does: plain settings in the
environment, secrets as files in $LOOKOUT_SECRETS_DIR.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from lookout.db.migrate import LOCK_KEY
from lookout.db.migrations import VERSIONS
from lookout.settings.base import SECRETS_DIR_ENV
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

ROOT = Path(__file__).resolve().parents[2]
DSN_ENV = "CHARTGEN_TEST_POSTGRES_DSN"
DEFAULT_DSN = "postgresql://chartgen:chartgen@127.0.0.1:5432/postgres"
ADMIN_DSN = os.environ.get(DSN_ENV, DEFAULT_DSN)

# Only an explicit empty value opts out; an unreachable server fails the tests instead.
pytestmark = pytest.mark.skipif(ADMIN_DSN == "", reason=f"{DSN_ENV} is set to empty")

TABLES = {
    "organizations",
    "projects",
    "users",
    "api_keys",
    "dashboards",
    "alert_rules",
    "span_batches",
    "spans",
    "jobs",
    "schema_migrations",
}
# What else the app pods of the services checked below need, besides the DSN.
PLAIN_ENV = {
    "LOOKOUT_INSTANCE__PUBLIC_URL": "https://lookout.example.com",
    "LOOKOUT_ADMIN__EMAIL": "ops@example.com",
    "LOOKOUT_OBJECT_STORAGE__URI": "s3://lookout-data/prod",
}
OTHER_SECRETS = {
    "LOOKOUT_AUTH__JWT_SECRET": "jwt-" + "k" * 40,
    "LOOKOUT_AUTH__ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
}
COMMAND_TIMEOUT = 60


@dataclass(frozen=True)
class Server:
    host: str
    port: str
    role: str
    password: str


@dataclass(frozen=True)
class Database:
    server: Server
    name: str

    @property
    def dsn(self) -> str:
        # Percent-encoded as an operator must write it in a URL; libpq decodes it.
        password = quote(self.server.password, safe="")
        return f"postgresql://{self.server.role}:{password}@{self.server.host}:{self.server.port}/{self.name}"

    def admin(self) -> psycopg.Connection:
        """A superuser connection to this database, for looking at what the commands did."""
        return psycopg.connect(ADMIN_DSN, dbname=self.name, autocommit=True)

    def versions(self) -> list[str]:
        with self.admin() as conn:
            rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version")
            return [row[0] for row in rows]

    def tables(self) -> set[str]:
        with self.admin() as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            return {row[0] for row in rows}


def admin_connection() -> psycopg.Connection:
    try:
        return psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = str(error).strip()
    # Outside the except block: the message alone, without a chained traceback.
    pytest.fail(
        f"no PostgreSQL at {DSN_ENV} ({ADMIN_DSN}): {reason}\n"
        "Run `make postgres` (tools/postgres.sh) to install and start one, or set "
        f"{DSN_ENV} to a superuser DSN (empty skips these tests).",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """A login role for the app with a password, dropped after the session."""
    params = conninfo_to_dict(ADMIN_DSN)
    role = f"lookout_app_{secrets.token_hex(4)}"
    # Characters a URL must encode, so the tests cover both spellings of the password.
    password = f"pw/{secrets.token_hex(8)}@x"
    with admin_connection() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    yield Server(
        str(params.get("host") or "127.0.0.1"), str(params.get("port") or 5432), role, password
    )
    with admin_connection() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def database(server: Server) -> Iterator[Database]:
    """A fresh empty database owned by the app role, dropped after the test."""
    name = f"lookout_test_{secrets.token_hex(6)}"
    with admin_connection() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(name), sql.Identifier(server.role)
            )
        )
    yield Database(server, name)
    with admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def secrets_dir(tmp_path: Path, database: Database) -> Path:
    """The secret files the chart mounts: the DSN and the other secrets, one file each."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    for name, value in {"LOOKOUT_DATABASE__DSN": database.dsn, **OTHER_SECRETS}.items():
        # A trailing newline, as `kubectl create secret --from-file` often leaves one.
        (directory / name).write_text(value + "\n", encoding="utf-8")
    return directory


def environment(secrets_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    # Nothing from the host's environment: no LOOKOUT_ or PG* variable leaks in.
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "apps" / "lookout"),
        SECRETS_DIR_ENV: str(secrets_dir),
        **PLAIN_ENV,
        **(extra or {}),
    }


def assert_no_password(output: str, *passwords: str) -> None:
    for password in passwords:
        for form in (password, quote(password, safe="")):
            assert form not in output


@dataclass
class Commands:
    """Runs ``python -m lookout`` as a pod would, checking no output shows the password."""

    database: Database
    secrets_dir: Path

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "lookout", *args]

    def start(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=environment(self.secrets_dir, extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
        assert_no_password(stdout + stderr, self.database.server.password)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def run(
        self, *args: str, extra: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.finish(self.start(*args, extra=extra))


@pytest.fixture
def lookout(database: Database, secrets_dir: Path) -> Commands:
    return Commands(database, secrets_dir)


def applied_lines(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line.startswith("applied 0")]


def test_migrate_creates_every_table_and_records_each_version(
    lookout: Commands, database: Database
) -> None:
    assert database.tables() == set()
    result = lookout.run("migrate")
    assert result.returncode == 0, result.stderr
    assert database.tables() == TABLES
    assert database.versions() == list(VERSIONS)
    assert applied_lines(result.stdout) == list(VERSIONS)
    assert f"database at {VERSIONS[-1]}; applied {len(VERSIONS)} migrations" in result.stdout
    assert f"{database.server.role}@" in result.stdout  # says where, without the password
    with database.admin() as conn:
        columns = conn.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = 'dashboards'"
        )
        assert "tags" in {row[0] for row in columns}  # from 0002
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        )
        assert [row[0] for row in owners] == [database.server.role]


def schema(database: Database) -> list[tuple[object, ...]]:
    with database.admin() as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable, column_default"
            " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        recorded = conn.execute("TABLE schema_migrations ORDER BY version").fetchall()
    return [*columns, *indexes, *recorded]


def test_second_run_changes_nothing(lookout: Commands, database: Database) -> None:
    assert lookout.run("migrate").returncode == 0
    before = schema(database)
    again = lookout.run("migrate")
    assert again.returncode == 0, again.stderr
    assert applied_lines(again.stdout) == []
    assert f"database at {VERSIONS[-1]}; nothing to apply" in again.stdout
    assert again.stderr == ""
    assert schema(database) == before  # applied_at included: nothing was re-recorded


def wait_for_sessions(database: Database, application: str, count: int) -> None:
    deadline = time.monotonic() + COMMAND_TIMEOUT
    with database.admin() as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = %s",
                (database.name, application),
            ).fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(0.05)
    pytest.fail(f"{count} {application} sessions never showed up")


@pytest.mark.parametrize("hold_lock_first", [False, True], ids=["race", "queued"])
def test_concurrent_runs_apply_each_migration_once(
    lookout: Commands, database: Database, hold_lock_first: bool
) -> None:
    with database.admin() as holder:
        if hold_lock_first:
            # Both runs connect and wait on the lock, then go at once when it is released.
            holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        runs = [lookout.start("migrate"), lookout.start("migrate")]
        if hold_lock_first:
            wait_for_sessions(database, "lookout-migrate", 2)
            time.sleep(0.5)
            holder.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        results = [lookout.finish(run) for run in runs]
    for result in results:
        assert result.returncode == 0, result.stderr
    applied = [version for r in results for version in applied_lines(r.stdout)]
    assert sorted(applied) == list(VERSIONS)  # each once, by one run or the other
    assert database.versions() == list(VERSIONS)
    assert database.tables() == TABLES
    if hold_lock_first:
        assert all("waiting for another migration run" in r.stdout for r in results)


def test_lock_held_past_lock_timeout_fails_without_applying(
    lookout: Commands, database: Database
) -> None:
    with database.admin() as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
        result = lookout.run("migrate", extra={"LOOKOUT_LOCK_TIMEOUT_SECONDS": "1"})
    assert result.returncode == 1
    assert "still holds the lock after 1 s (lock_timeout_seconds)" in result.stderr
    assert database.tables() == set()


def test_failed_migration_rolls_back_and_exits_1(lookout: Commands, database: Database) -> None:
    with database.admin() as conn:
        conn.execute("CREATE TABLE dashboards (id int)")  # in the way of 0001
    result = lookout.run("migrate")
    assert result.returncode == 1
    assert "0001_initial failed and was rolled back" in result.stderr
    assert 'relation "dashboards" already exists' in result.stderr
    assert database.tables() == {"dashboards", "schema_migrations"}  # nothing half-made
    assert database.versions() == []


def test_target_revision_stops_there_and_head_continues(
    lookout: Commands, database: Database
) -> None:
    first = lookout.run("migrate", extra={"LOOKOUT_TARGET_REVISION": VERSIONS[0]})
    assert first.returncode == 0, first.stderr
    assert database.versions() == [VERSIONS[0]]
    behind = lookout.run("check-database", "migrations")
    assert behind.returncode == 1
    assert f"lacks migrations {', '.join(VERSIONS[1:])}" in behind.stderr
    rest = lookout.run("migrate")
    assert applied_lines(rest.stdout) == list(VERSIONS[1:])
    assert lookout.run("check-database", "migrations").returncode == 0


def test_unknown_target_revision_exits_1(lookout: Commands, database: Database) -> None:
    result = lookout.run("migrate", extra={"LOOKOUT_TARGET_REVISION": "9999_future"})
    assert result.returncode == 1
    assert "unknown target revision '9999_future'" in result.stderr
    assert database.tables() == set()


def test_versions_of_a_newer_release_are_noted_not_fatal(
    lookout: Commands, database: Database
) -> None:
    assert lookout.run("migrate").returncode == 0
    with database.admin() as conn:
        conn.execute("INSERT INTO schema_migrations (version) VALUES ('9999_future')")
    again = lookout.run("migrate")
    assert again.returncode == 0, again.stderr
    assert "versions unknown to this release: 9999_future" in again.stdout
    assert lookout.run("check-database", "migrations").returncode == 0


@pytest.mark.parametrize("service", ["migrations", "api", "worker"])
def test_check_database_exits_1_before_migrating_and_0_after(
    lookout: Commands, service: str
) -> None:
    before = lookout.run("check-database", service)
    assert before.returncode == 1
    assert "has no schema_migrations table yet: run `python -m lookout migrate`" in before.stderr
    assert lookout.run("migrate").returncode == 0
    after = lookout.run("check-database", service)
    assert after.returncode == 0, after.stderr
    assert "is reachable and migrated to head" in after.stdout


def test_wait_returns_as_soon_as_the_migration_lands(lookout: Commands) -> None:
    delay = 3.0
    migrated: list[subprocess.CompletedProcess[str]] = []

    def migrate_later() -> None:
        time.sleep(delay)
        migrated.append(lookout.run("migrate"))

    thread = threading.Thread(target=migrate_later)
    started = time.monotonic()
    thread.start()
    result = lookout.run("check-database", "api", "--wait", "60")
    elapsed = time.monotonic() - started
    thread.join()
    assert migrated[0].returncode == 0, migrated[0].stderr
    assert result.returncode == 0, result.stderr
    # Ready within a retry interval (2 s) of the migration, plus process start-up.
    assert delay <= elapsed < delay + 10
    # The reason is said once, not on every retry.
    assert result.stderr.count("has no schema_migrations table yet") == 1


def test_wait_times_out_with_exit_1(lookout: Commands) -> None:
    started = time.monotonic()
    result = lookout.run("check-database", "migrations", "--wait", "3")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert 3 <= elapsed < 15
    assert "has no schema_migrations table yet" in result.stderr
    assert "still not ready after 3 s" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_server_exits_1_saying_so(lookout: Commands, database: Database) -> None:
    dsn = database.dsn.replace(f":{database.server.port}/", f":{free_port()}/")
    extra = {"LOOKOUT_DATABASE__DSN": dsn}  # the env var wins over the file
    for args in (["migrate"], ["check-database", "ingest"]):
        result = lookout.run(*args, extra=extra)
        assert result.returncode == 1
        assert "cannot connect to" in result.stderr
        assert "Connection refused" in result.stderr


def test_wrong_password_is_reported_but_never_shown(lookout: Commands, database: Database) -> None:
    wrong = f"wrong-{secrets.token_hex(8)}"
    dsn = database.dsn.replace(quote(database.server.password, safe=""), wrong)
    for args in (["migrate"], ["check-database", "query"]):
        result = lookout.run(*args, extra={"LOOKOUT_DATABASE__DSN": dsn})
        assert result.returncode == 1
        assert "password authentication failed" in result.stderr
        assert_no_password(result.stdout + result.stderr, wrong)


def test_missing_dsn_is_a_settings_error(lookout: Commands, secrets_dir: Path) -> None:
    (secrets_dir / "LOOKOUT_DATABASE__DSN").unlink()
    result = lookout.run("check-database", "scheduler")
    assert result.returncode == 1
    assert "database [LOOKOUT_DATABASE__DSN]: Field required" in result.stderr


def test_check_database_needs_a_service_with_a_database(lookout: Commands) -> None:
    result = lookout.run("check-database", "frontend")
    assert result.returncode == 2  # click's usage error
    assert "'frontend' is not one of" in result.stderr
