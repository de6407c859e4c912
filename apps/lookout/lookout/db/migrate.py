"""Bringing a database to a target revision: once, in order, one run at a time."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from lookout.db.migrations import VERSIONS, Migration, up_to

# Session-level advisory lock all migration runs take ("lookout" in ASCII): a second run
# (a retried hook Job, a manual run) waits instead of racing the first.
LOCK_KEY = 0x6C6F6F6B6F7574
LOCK_POLL_SECONDS = 0.5

Report = Callable[[str], None]


class MigrationFailed(Exception):
    """Migrating stopped; the message says where and why (applied ones stay applied)."""


@dataclass(frozen=True)
class Outcome:
    applied: tuple[str, ...]  # by this run, in order
    current: str | None  # newest known version recorded afterwards
    unknown: tuple[str, ...]  # recorded versions this code does not know (a newer release's)


def recorded_versions(conn: psycopg.Connection) -> set[str] | None:
    """Versions in schema_migrations, or None when the table does not exist yet."""
    if conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,):
        return None
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def _lock(conn: psycopg.Connection, timeout_seconds: int, report: Report) -> None:
    # Polling pg_try_advisory_lock rather than blocking: statement_timeout cannot cut the
    # wait short, and the log says why the run pauses.
    deadline = time.monotonic() + timeout_seconds
    waiting = False
    while conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone() != (True,):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MigrationFailed(
                f"another migration run still holds the lock after {timeout_seconds} s "
                "(lock_timeout_seconds); nothing was applied"
            )
        if not waiting:
            report("waiting for another migration run to finish")
            waiting = True
        time.sleep(min(LOCK_POLL_SECONDS, remaining))


def _unlock(conn: psycopg.Connection) -> None:
    # A broken session cannot unlock, but the server drops its locks with it.
    with contextlib.suppress(psycopg.Error):
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    # One transaction: a failed migration leaves no half-made schema and no record.
    try:
        with conn.transaction():
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,)
            )
    except psycopg.Error as error:
        reason = str(error).strip()
        raise MigrationFailed(f"{migration.version} failed and was rolled back: {reason}") from None


def _apply_missing(
    conn: psycopg.Connection, wanted: tuple[Migration, ...], report: Report
) -> tuple[set[str], list[str]]:
    """Under the lock: the versions recorded afterwards and those this run applied."""
    # Created under the lock too: concurrent CREATE TABLE IF NOT EXISTS can still collide.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    recorded = recorded_versions(conn) or set()
    applied: list[str] = []
    for migration in wanted:
        if migration.version not in recorded:
            started = time.monotonic()
            _apply(conn, migration)
            applied.append(migration.version)
            report(f"applied {migration.version} ({time.monotonic() - started:.2f} s)")
    return recorded | set(applied), applied


def migrate(
    conn: psycopg.Connection, target: str, lock_timeout_seconds: int, report: Report
) -> Outcome:
    """Apply the migrations up to ``target`` that the database lacks, reporting each."""
    try:
        wanted = up_to(target)
    except ValueError as error:
        raise MigrationFailed(str(error)) from None
    try:
        _lock(conn, lock_timeout_seconds, report)
        try:
            recorded, applied = _apply_missing(conn, wanted, report)
        finally:
            _unlock(conn)
    except psycopg.Error as error:
        # Anything outside a migration: the lock, the bookkeeping table, a lost connection.
        raise MigrationFailed(str(error).strip()) from None
    known = [version for version in VERSIONS if version in recorded]
    return Outcome(
        applied=tuple(applied),
        current=known[-1] if known else None,
        unknown=tuple(sorted(recorded - set(VERSIONS))),
    )
