"""The api service: a small authenticated REST API under /api.

Concurrency: a master process binds the port and forks ``workers`` processes (the derived
setting) that accept on the shared socket, each a threaded HTTP server with its own
database pool (``database.pool_size`` connections). The master restarts a worker that dies
and, on SIGTERM, stops them all and waits for their requests in flight.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import errors

from lookout.db.connection import DatabaseUnavailable, redact
from lookout.serve.common import authenticate, database_check, storage_check
from lookout.serve.health import Health
from lookout.serve.pool import Pool
from lookout.serve.runtime import Stopper, listen_host
from lookout.serve.tokens import (
    Claims,
    check_password,
    hash_password,
    issue_token,
    key_hash,
    new_ingest_key,
)
from lookout.serve.web import (
    HttpConfig,
    HttpError,
    Request,
    Response,
    Router,
    json_response,
    listening_socket,
    make_server,
    serve_until,
)
from lookout.settings.api import ApiSettings
from lookout.storage.s3 import S3Client

log = logging.getLogger("lookout.api")

ADMIN_ORGANIZATION = "default"
STOP_GRACE_SECONDS = 25.0  # within Kubernetes' default 30 s termination grace period
CRASH_WINDOW_SECONDS = 60.0
MAX_CRASHES = 5  # worker deaths within the window before the master gives up (exit 1)
MANAGERS = ("instance-admin", "admin")


@contextlib.contextmanager
def database_errors(settings: ApiSettings) -> Iterator[None]:
    """Database failures as HTTP answers: 409 duplicate, 400 invalid, 503 unavailable."""
    try:
        yield
    except errors.UniqueViolation:
        raise HttpError(409, "already exists") from None
    except (errors.CheckViolation, errors.NotNullViolation, errors.StringDataRightTruncation):
        raise HttpError(
            400, "invalid value (slugs: a-z, 0-9 and -, names: 1-200 characters)"
        ) from None
    except DatabaseUnavailable as error:
        raise HttpError(503, str(error)) from None
    except psycopg.OperationalError as error:
        raise HttpError(503, redact(str(error).strip(), settings.database)) from None


def ensure_admin(settings: ApiSettings, conn: psycopg.Connection) -> None:
    """Create the instance admin (and its organization) unless it exists; safe concurrently."""
    password = settings.admin.bootstrap_password
    with conn.transaction():
        conn.execute(
            "INSERT INTO organizations (slug, name) VALUES (%s, %s) ON CONFLICT (slug) DO NOTHING",
            (ADMIN_ORGANIZATION, settings.instance.name),
        )
        conn.execute(
            "INSERT INTO users (organization_id, email, role, password_hash)"
            " SELECT id, %s, 'instance-admin', %s FROM organizations WHERE slug = %s"
            " ON CONFLICT DO NOTHING",
            (
                settings.admin.email,
                hash_password(password.get_secret_value()) if password else None,
                ADMIN_ORGANIZATION,
            ),
        )


class Api:
    def __init__(self, settings: ApiSettings, pool: Pool) -> None:
        self.settings = settings
        self.pool = pool
        self.query_url = str(settings.query_url).rstrip("/")
        self._admin_ready = False

    def routes(self, router: Router) -> None:
        add = router.add
        add("POST", "/api/login", self.login)
        add("GET", "/api/me", self.me)
        add("GET", "/api/organizations", self.list_organizations)
        add("POST", "/api/organizations", self.create_organization)
        add("GET", "/api/projects", self.list_projects)
        add("POST", "/api/projects", self.create_project)
        add("GET", "/api/projects/{project_id}/keys", self.list_keys)
        add("POST", "/api/projects/{project_id}/keys", self.create_key)
        add("GET", "/api/projects/{project_id}/spans", self.spans)
        add("GET", "/api/projects/{project_id}/traces/{trace_id}", self.trace)
        add("POST", "/api/emails/test", self.test_email)
        add("GET", "/api/jobs/{job_id}", self.job)
        add("GET", self.settings.openapi_path, self.openapi)

    # ---------------------------------------------------------------- sessions

    def login(self, request: Request) -> Response:
        body = request.json_object()
        email = str(body.get("email") or "")
        password = str(body.get("password") or "")
        with database_errors(self.settings), self.pool.connection() as conn:
            if not self._admin_ready:
                # Normally done at start; again here when the database was down then.
                ensure_admin(self.settings, conn)
                self._admin_ready = True
            row = conn.execute(
                "SELECT id, email, role, organization_id, password_hash FROM users"
                " WHERE lower(email) = lower(%s) AND disabled_at IS NULL",
                (email,),
            ).fetchone()
            if row is None or not check_password(password, row[4]):
                log.info("failed login", extra={"email": email})
                raise HttpError(401, "wrong email or password")
            conn.execute("UPDATE users SET last_login_at = now() WHERE id = %s", (row[0],))
        ttl = self.settings.auth.session_ttl_minutes * 60
        token = issue_token(
            self.settings.auth.jwt_secret.get_secret_value(),
            {"sub": str(row[0]), "email": row[1], "role": row[2], "org": row[3]},
            ttl,
        )
        log.info("login", extra={"user_id": row[0]})
        return json_response({"token": token, "token_type": "Bearer", "expires_in": ttl})

    def _user(self, request: Request) -> Claims:
        return authenticate(request, self.settings.auth)

    def me(self, request: Request) -> Response:
        user = self._user(request)
        return json_response(
            {
                "id": user.user_id,
                "email": user.email,
                "role": user.role,
                "organization_id": user.organization_id,
            }
        )

    # ---------------------------------------------------------------- organizations, projects

    def list_organizations(self, request: Request) -> Response:
        user = self._user(request)
        with database_errors(self.settings), self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT id, slug, name, created_at FROM organizations"
                " WHERE %s OR id = %s ORDER BY id",
                (user.role == "instance-admin", user.organization_id),
            ).fetchall()
        keys = ("id", "slug", "name", "created_at")
        return json_response({"organizations": [dict(zip(keys, row, strict=True)) for row in rows]})

    def create_organization(self, request: Request) -> Response:
        user = self._user(request)
        if user.role != "instance-admin":
            raise HttpError(403, "only the instance admin creates organizations")
        body = request.json_object()
        with database_errors(self.settings), self.pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO organizations (slug, name) VALUES (%s, %s) RETURNING id, slug, name",
                (body.get("slug"), body.get("name")),
            ).fetchone()
        assert row is not None
        return json_response({"id": row[0], "slug": row[1], "name": row[2]}, 201)

    def _project_org(self, conn: psycopg.Connection, user: Claims, project_id: str) -> int:
        """The organization of a project the user may see, else 404."""
        if not project_id.isdigit():
            raise HttpError(404, "no such project")
        row = conn.execute(
            "SELECT organization_id FROM projects WHERE id = %s", (int(project_id),)
        ).fetchone()
        if row is None or (user.role != "instance-admin" and row[0] != user.organization_id):
            raise HttpError(404, "no such project")
        return int(row[0])

    def list_projects(self, request: Request) -> Response:
        user = self._user(request)
        with database_errors(self.settings), self.pool.connection() as conn:
            rows = conn.execute(
                "SELECT p.id, p.slug, p.name, o.slug, p.created_at FROM projects p"
                " JOIN organizations o ON o.id = p.organization_id"
                " WHERE %s OR p.organization_id = %s ORDER BY p.id",
                (user.role == "instance-admin", user.organization_id),
            ).fetchall()
        keys = ("id", "slug", "name", "organization", "created_at")
        return json_response({"projects": [dict(zip(keys, row, strict=True)) for row in rows]})

    def create_project(self, request: Request) -> Response:
        """Create a project; a welcome email to its creator is queued for the worker."""
        user = self._user(request)
        body = request.json_object()
        if user.role not in MANAGERS:
            raise HttpError(403, "only admins create projects")
        organization = body.get("organization")
        with database_errors(self.settings), self.pool.connection() as conn:
            if organization is None:
                org_id = user.organization_id
            else:
                found = conn.execute(
                    "SELECT id FROM organizations WHERE slug = %s", (str(organization),)
                ).fetchone()
                if found is None:
                    raise HttpError(404, f"no organization {organization!r}")
                org_id = int(found[0])
            if user.role != "instance-admin" and org_id != user.organization_id:
                raise HttpError(403, "not your organization")
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO projects (organization_id, slug, name) VALUES (%s, %s, %s)"
                    " RETURNING id, slug, name",
                    (org_id, body.get("slug"), body.get("name")),
                ).fetchone()
                assert row is not None
                job_id = self._enqueue_email(
                    conn,
                    user.email,
                    f"[{self.settings.instance.name}] Project {row[2]} created",
                    f"Your project {row[2]} ({row[1]}) is ready.\n\n"
                    f"Issue an ingest key for it at {self.settings.instance.public_url}\n",
                )
        log.info("project created", extra={"project_id": row[0], "user_id": user.user_id})
        return json_response(
            {"id": row[0], "slug": row[1], "name": row[2], "welcome_email_job": job_id}, 201
        )

    # ---------------------------------------------------------------- ingest keys

    def create_key(self, request: Request) -> Response:
        """Issue an ingest key: returned this once, stored as a hash."""
        user = self._user(request)
        if user.role not in MANAGERS:
            raise HttpError(403, "only admins issue keys")
        name = str(request.json_object().get("name") or "ingest")
        key, prefix = new_ingest_key()
        with database_errors(self.settings), self.pool.connection() as conn:
            self._project_org(conn, user, request.params["project_id"])
            row = conn.execute(
                "INSERT INTO api_keys (project_id, created_by, name, prefix, secret_hash)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (int(request.params["project_id"]), user.user_id, name, prefix, key_hash(key)),
            ).fetchone()
        assert row is not None
        log.info("ingest key issued", extra={"key_id": row[0], "prefix": prefix})
        return json_response({"id": row[0], "name": name, "prefix": prefix, "key": key}, 201)

    def list_keys(self, request: Request) -> Response:
        user = self._user(request)
        with database_errors(self.settings), self.pool.connection() as conn:
            self._project_org(conn, user, request.params["project_id"])
            rows = conn.execute(
                "SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at"
                " FROM api_keys WHERE project_id = %s ORDER BY id",
                (int(request.params["project_id"]),),
            ).fetchall()
        keys = ("id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
        return json_response({"keys": [dict(zip(keys, row, strict=True)) for row in rows]})

    # ---------------------------------------------------------------- spans (the query service)

    def _proxy(self, request: Request, path: str, query: dict[str, str]) -> Response:
        self._user(request)  # the query service checks the token again, and the project
        url = f"{self.query_url}{path}"
        if query:
            url += "?" + urlencode(query)
        upstream = urllib.request.Request(
            url, headers={"Authorization": request.headers.get("Authorization", "")}
        )
        try:
            with urllib.request.urlopen(
                upstream, timeout=self.settings.request_timeout_seconds
            ) as answer:
                return Response(answer.status, answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read())
        except OSError as error:
            raise HttpError(502, f"query service unreachable: {error}") from None

    def spans(self, request: Request) -> Response:
        query = {
            name: value
            for name in ("trace_id", "limit", "since")
            if (value := request.arg(name)) is not None
        }
        return self._proxy(request, f"/v1/projects/{request.params['project_id']}/spans", query)

    def trace(self, request: Request) -> Response:
        params = request.params
        return self._proxy(
            request, f"/v1/projects/{params['project_id']}/traces/{params['trace_id']}", {}
        )

    # ---------------------------------------------------------------- jobs

    def _enqueue_email(self, conn: psycopg.Connection, to: str, subject: str, body: str) -> int:
        row = conn.execute(
            "INSERT INTO jobs (kind, payload) VALUES ('email', %s) RETURNING id",
            (json.dumps({"to": to, "subject": subject, "body": body}),),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def test_email(self, request: Request) -> Response:
        """Queue a test email to the caller (or ``to``, for the instance admin)."""
        user = self._user(request)
        to = str(request.json_object().get("to") or user.email) if request.body else user.email
        if to != user.email and user.role != "instance-admin":
            raise HttpError(403, "only the instance admin sends to other addresses")
        with database_errors(self.settings), self.pool.connection() as conn:
            job_id = self._enqueue_email(
                conn,
                to,
                f"[{self.settings.instance.name}] Test email",
                f"This is a test email from {self.settings.instance.public_url}\n",
            )
        return json_response({"job_id": job_id}, 202)

    def job(self, request: Request) -> Response:
        user = self._user(request)
        job_id = request.params["job_id"]
        if not job_id.isdigit():
            raise HttpError(404, "no such job")
        with database_errors(self.settings), self.pool.connection() as conn:
            row = conn.execute(
                "SELECT id, kind, status, attempts, last_error, payload->>'to' FROM jobs"
                " WHERE id = %s",
                (int(job_id),),
            ).fetchone()
        if row is None or (user.role != "instance-admin" and row[5] != user.email):
            raise HttpError(404, "no such job")
        keys = ("id", "kind", "status", "attempts", "last_error")
        return json_response(dict(zip(keys, row[:5], strict=True)))

    def openapi(self, request: Request) -> Response:
        paths: dict[str, Any] = {
            "/api/login": {"post": {"summary": "Sign in with email and password: a token"}},
            "/api/me": {"get": {"summary": "The signed-in user"}},
            "/api/organizations": {"get": {}, "post": {"summary": "instance admin only"}},
            "/api/projects": {"get": {}, "post": {"summary": "Queues a welcome email"}},
            "/api/projects/{project_id}/keys": {"get": {}, "post": {"summary": "Shown once"}},
            "/api/projects/{project_id}/spans": {"get": {"summary": "trace_id, limit, since"}},
            "/api/projects/{project_id}/traces/{trace_id}": {"get": {}},
            "/api/emails/test": {"post": {"summary": "Queue a test email"}},
            "/api/jobs/{job_id}": {"get": {}},
        }
        return json_response(
            {"openapi": "3.0.3", "info": {"title": "Lookout API", "version": "1"}, "paths": paths}
        )


def _cors(settings: ApiSettings) -> Any:
    allowed = set(settings.cors_allowed_origins)

    def headers(request: Request) -> dict[str, str]:
        origin = request.headers.get("Origin")
        if origin is None or origin not in allowed:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Vary": "Origin",
        }

    return headers


def _run_worker(settings: ApiSettings, sock: socket.socket, number: int) -> int:
    stop = Stopper().install()
    pool = Pool(settings.database, "lookout-api")
    storage = S3Client(settings.object_storage)
    health = Health(
        {"database": database_check(pool), "object_storage": storage_check(storage)}, stop.event
    )
    health.start()
    router = Router()
    health.routes(router)
    Api(settings, pool).routes(router)
    router.add("OPTIONS", "/api/{rest*}", lambda request: Response(204))
    config = HttpConfig(
        router, settings.max_request_body_bytes, settings.request_timeout_seconds, _cors(settings)
    )
    log.info("worker %d serving", number)
    serve_until(make_server(config, sock), stop.event)
    pool.close()
    log.info("worker %d stopped", number)
    return 0


def _spawn(settings: ApiSettings, sock: socket.socket, number: int) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _run_worker(settings, sock, number)
        except BaseException:
            log.exception("worker %d failed", number)
        finally:
            logging.shutdown()
            os._exit(code)
    return pid


def serve(settings: ApiSettings, stop: Stopper) -> int:
    workers = settings.workers or 1
    host = listen_host()
    log.info(
        "api starting",
        extra={
            "port": settings.port,
            "workers": workers,
            "pool_size_per_worker": settings.database.pool_size,
            "query_url": str(settings.query_url),
        },
    )
    if settings.admin.bootstrap_password is None:
        log.warning("admin.bootstrap_password is unset: the instance admin cannot sign in")
    try:
        pool = Pool(settings.database, "lookout-api")
        with pool.connection() as conn:
            ensure_admin(settings, conn)
        pool.close()  # before forking: no connection is shared across processes
    except (DatabaseUnavailable, psycopg.Error) as error:
        log.warning("instance admin not ensured yet (retried at login): %s", error)
    sock = listening_socket(host, settings.port)
    children = {_spawn(settings, sock, number): number for number in range(workers)}
    crashes: list[float] = []
    while not stop.stopping:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            stop.wait(0.5)
            continue
        number = children.pop(pid)
        now = time.monotonic()
        crashes = [t for t in crashes if now - t < CRASH_WINDOW_SECONDS] + [now]
        log.error("worker %d (pid %d) exited with status %d", number, pid, status)
        if len(crashes) > MAX_CRASHES:
            log.error("workers keep dying; stopping")
            stop.event.set()
            break
        children[_spawn(settings, sock, number)] = number
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while children and time.monotonic() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.1)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    sock.close()
    log.info("api stopped")
    return 1 if len(crashes) > MAX_CRASHES else 0
