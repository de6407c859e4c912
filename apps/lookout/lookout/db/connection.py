"""Opening a connection from ``DatabaseSettings``, and keeping its password out of messages."""

from __future__ import annotations

from urllib.parse import quote, unquote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from lookout.settings.database import DatabaseSettings

# libpq's sslmode values from weakest to strongest.
SSL_STRENGTH = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# libpq treats smaller connect timeouts as 2 s anyway.
MIN_CONNECT_TIMEOUT = 2


class DatabaseUnavailable(Exception):
    """The database could not be reached or used; the message holds no password."""


def _stronger_ssl_mode(in_dsn: object, setting: str) -> str:
    # A DSN asking for verify-full must not be downgraded by the "prefer" default, nor the
    # setting by a DSN: the stronger of the two wins.
    if isinstance(in_dsn, str) and in_dsn in SSL_STRENGTH:
        return max(in_dsn, setting, key=SSL_STRENGTH.index)
    return setting


def conninfo(
    database: DatabaseSettings, application_name: str, connect_timeout: int | None = None
) -> str:
    """The libpq connection string: the DSN plus the section's timeouts and sslmode."""
    params = conninfo_to_dict(str(database.dsn))
    timeout = database.connect_timeout_seconds if connect_timeout is None else connect_timeout
    options = f"-c statement_timeout={database.statement_timeout_ms}"
    if params.get("options"):
        options = f"{params['options']} {options}"
    return make_conninfo(
        str(database.dsn),
        connect_timeout=max(MIN_CONNECT_TIMEOUT, timeout),
        sslmode=_stronger_ssl_mode(params.get("sslmode"), database.ssl_mode),
        options=options,
        # fallback_: an application_name in the DSN still wins; DBAs see who connects.
        fallback_application_name=application_name,
    )


def describe(database: DatabaseSettings) -> str:
    """``user@host:port/dbname`` for messages; never the password."""
    hosts = database.dsn.hosts()
    user = unquote(hosts[0].get("username") or "") or "(default user)"
    where = ",".join(f"{host.get('host')}:{host.get('port') or 5432}" for host in hosts)
    name = (database.dsn.path or "/").lstrip("/") or "(default database)"
    return f"{user}@{where}/{name}"


def redact(message: str, database: DatabaseSettings) -> str:
    """``message`` with the DSN's password replaced, however libpq happened to quote it."""
    for host in database.dsn.hosts():
        password = host.get("password")
        if password:
            for form in {password, unquote(password), quote(unquote(password), safe="")}:
                message = message.replace(form, "****")
    return message


def connect(
    database: DatabaseSettings, application_name: str, connect_timeout: int | None = None
) -> psycopg.Connection:
    """An autocommit connection (callers open transactions explicitly), or DatabaseUnavailable."""
    try:
        return psycopg.connect(
            conninfo(database, application_name, connect_timeout), autocommit=True
        )
    except psycopg.Error as error:
        reason = redact(str(error).strip(), database)
        raise DatabaseUnavailable(f"cannot connect to {describe(database)}: {reason}") from None
