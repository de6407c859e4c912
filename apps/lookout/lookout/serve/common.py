"""Pieces several services share: dependency checks, user authentication, span time."""

from __future__ import annotations

import datetime as dt

from lookout.serve.health import CHECK_TIMEOUT_SECONDS, Check
from lookout.serve.pool import Pool
from lookout.serve.tokens import Claims, InvalidToken, verify_token
from lookout.serve.web import HttpError, Request
from lookout.settings.auth import AuthSettings
from lookout.storage.s3 import S3Client


def database_check(pool: Pool) -> Check:
    def check() -> None:
        with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
            conn.execute("SELECT 1")

    return check


def storage_check(storage: S3Client) -> Check:
    def check() -> None:
        storage.head_bucket(timeout=CHECK_TIMEOUT_SECONDS)

    return check


def authenticate(request: Request, auth: AuthSettings) -> Claims:
    """The signed-in user of a request (``Authorization: Bearer <session token>``), or 401."""
    token = request.bearer()
    if token is None:
        raise HttpError(401, "sign in first", {"WWW-Authenticate": "Bearer"})
    try:
        return verify_token(auth.jwt_secret.get_secret_value(), token)
    except InvalidToken as error:
        raise HttpError(401, str(error), {"WWW-Authenticate": "Bearer"}) from None


def from_unix_nano(value: object) -> dt.datetime:
    """An OTLP timestamp (nanoseconds since the epoch, as JSON string or number)."""
    seconds, nanos = divmod(int(str(value)), 10**9)
    # Integer arithmetic: a float of nanoseconds since 1970 has no microseconds left.
    return dt.datetime.fromtimestamp(seconds, dt.UTC) + dt.timedelta(microseconds=nanos // 1000)


def to_unix_nano(moment: dt.datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000) * 1000)
