"""Real servers for tests/lookout/test_serve_*.py: PostgreSQL, MinIO, an SMTP receiver, and
Lookout's services as ``python -m lookout serve SERVICE`` subprocesses.

Each service gets the env vars and secret files the chart renders for its container in dev
mode (ci/dev-values.yaml, tiny preset), with only addresses replaced: the in-cluster hosts by
127.0.0.1 and free ports, the dev PostgreSQL's DSN by a throwaway local database's. MinIO runs
with the rendered dev credentials, so the services' keys are exactly the chart's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg
import pytest
from lookout.settings.base import SECRETS_DIR_ENV
from lookout.settings.object_storage import ObjectStorageSettings
from lookout.storage.s3 import S3Client
from psycopg import sql
from pydantic import SecretStr

from tests.contract import container_start, find_workload
from tests.helm import CHART, PINNED, Helm
from tests.polling import wait_for as poll

ROOT = Path(__file__).resolve().parents[2]
DEV_VALUES = CHART / "ci" / "dev-values.yaml"
ADMIN_DSN = os.environ.get(
    "CHARTGEN_TEST_POSTGRES_DSN", "postgresql://chartgen:chartgen@127.0.0.1:5432/postgres"
)
HOST = "127.0.0.1"
START_SECONDS = 60.0
STOP_SECONDS = 40.0
MINIO_BUILD_SECONDS = 1800


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Any, seconds: float = START_SECONDS, every: float = 0.2) -> Any:
    """Poll ``check()`` until it returns something truthy; fail after ``seconds``."""
    return poll(what, check, seconds, every)


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    timeout: float = 30,
) -> tuple[int, Any]:
    """(status, JSON body or text) of one request."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, content = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, content = error.code, error.read()
    try:
        return status, json.loads(content)
    except ValueError:
        return status, content.decode(errors="replace")


# --------------------------------------------------------------------------------------------
# MinIO


def minio_binary() -> Path:
    """tools/minio.sh's binary (built once, minutes; `make minio` does it up front)."""
    done = subprocess.run(
        ["bash", str(ROOT / "tools" / "minio.sh")],
        capture_output=True,
        text=True,
        timeout=MINIO_BUILD_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"tools/minio.sh failed (make minio):\n{done.stderr[-3000:]}", pytrace=False)
    return Path(done.stdout.strip().splitlines()[-1])


@dataclass
class MinIO:
    process: subprocess.Popen[bytes]
    endpoint: str


@contextlib.contextmanager
def run_minio(user: str, password: str, workdir: Path) -> Iterator[MinIO]:
    binary = minio_binary()
    port, console = free_port(), free_port()
    data = workdir / "minio-data"
    data.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "MINIO_ROOT_USER": user,
        "MINIO_ROOT_PASSWORD": password,
        "MINIO_BROWSER": "off",
        "MINIO_UPDATE": "off",
    }
    with open(workdir / "minio.log", "wb") as log:
        process = subprocess.Popen(
            [
                str(binary),
                "server",
                str(data),
                "--address",
                f"{HOST}:{port}",
                "--console-address",
                f"{HOST}:{console}",
                "--quiet",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://{HOST}:{port}"
    try:
        wait_for("MinIO live", lambda: http("GET", f"{endpoint}/minio/health/live")[0] == 200)
        yield MinIO(process, endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------------------------
# SMTP


class Mailbox:
    """An SMTP receiver on 127.0.0.1 (aiosmtpd), keeping every message it gets."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        self.port = free_port()
        self._lock = threading.Lock()
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with mailbox._lock:
                    mailbox.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.controller = Controller(Handler(), hostname=HOST, port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(message["Subject"]) for message in self.messages]

    def find(self, subject_part: str) -> Message | None:
        with self._lock:
            return next((m for m in self.messages if subject_part in str(m["Subject"])), None)


# --------------------------------------------------------------------------------------------
# PostgreSQL


@dataclass(frozen=True)
class Database:
    name: str
    role: str
    password: str

    @property
    def dsn(self) -> str:
        host = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
        where = f"{host.get('host') or HOST}:{host.get('port') or 5432}"
        return f"postgresql://{self.role}:{self.password}@{where}/{self.name}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(ADMIN_DSN, dbname=self.name, autocommit=True)


@contextlib.contextmanager
def throwaway_database() -> Iterator[Database]:
    suffix = secrets.token_hex(5)
    db = Database(f"lookout_serve_{suffix}", f"lookout_serve_{suffix}", secrets.token_hex(12))
    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"no PostgreSQL at {ADMIN_DSN} (make postgres): {error}", pytrace=False)
    with admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(db.role), sql.Literal(db.password)
            )
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(db.name), sql.Identifier(db.role)
            )
        )
    try:
        yield db
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(db.role)))


# --------------------------------------------------------------------------------------------
# The chart's rendering of each container


def render_dev() -> list[dict[str, Any]]:
    binary = PINNED["helm4"]
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make tools` (make test does it)", pytrace=False)
    home = Path(tempfile.mkdtemp(prefix="serve-helm-"))
    try:
        return Helm("helm4", binary, home).template([DEV_VALUES])
    finally:
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Rendered:
    env: dict[str, str]
    secrets: dict[str, str]


def rendered(docs: list[dict[str, Any]], service: str, container: str | None = None) -> Rendered:
    workload = find_workload(docs, service)
    start = container_start(docs, workload, container or service, {})
    return Rendered(
        dict(start.env), {name: value.decode() for name, value in start.secret_files().items()}
    )


# --------------------------------------------------------------------------------------------
# Lookout's services


def rss_bytes(pid: int, children: bool = True) -> int:
    """Resident memory of a process and (unless not ``children``) all its descendants."""
    total = 0
    for task in [pid, *(descendants(pid) if children else [])]:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{task}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            total += int(match.group(1)) * 1024 if match else 0
    return total


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            for child in map(int, children):
                found += [child, *descendants(child)]
    return found


def thread_count(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^Threads:\s+(\d+)", status, re.M)
    return int(match.group(1)) if match else 0


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int | None = None
    exit_code: int | None = None
    stop_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_entries(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.log().splitlines():
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
        return entries

    def stop(self) -> int:
        if self.process.poll() is None:
            started = time.monotonic()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                for child in descendants(self.process.pid):
                    with contextlib.suppress(OSError):
                        os.kill(child, signal.SIGKILL)
            self.stop_seconds = time.monotonic() - started
        self.exit_code = self.process.returncode
        return self.exit_code


@dataclass
class Stack:
    workdir: Path
    docs: list[dict[str, Any]]
    database: Database
    minio: MinIO
    mailbox: Mailbox
    services: dict[str, Service] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def port(self, name: str) -> int:
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]

    def config(
        self,
        service: str,
        extra: dict[str, str] | None = None,
        container: str | None = None,
        name: str | None = None,
    ) -> Rendered:
        """What the chart gives ``service``'s container, with local addresses (the ports of
        the instance called ``name``, by default the service's)."""
        name = name or service
        found = rendered(self.docs, service, container)
        env = found.env
        env["LOOKOUT_LISTEN_HOST"] = HOST
        if "LOOKOUT_OBJECT_STORAGE__ENDPOINT_URL" in env:
            env["LOOKOUT_OBJECT_STORAGE__ENDPOINT_URL"] = self.minio.endpoint
        if "LOOKOUT_SMTP__HOST" in env:
            env["LOOKOUT_SMTP__HOST"] = HOST
            env["LOOKOUT_SMTP__PORT"] = str(self.mailbox.port)
        for key, target in (("LOOKOUT_QUERY_URL", "query"), ("LOOKOUT_API_URL", "api")):
            if key in env:
                env[key] = f"http://{HOST}:{self.port(target)}"
        if service in ("api", "query", "frontend"):
            env["LOOKOUT_PORT"] = str(self.port(name))
        if service == "ingest":
            env["LOOKOUT_HTTP_PORT"] = str(self.port(name))
        if "LOOKOUT_DATABASE__DSN" in found.secrets:
            found.secrets["LOOKOUT_DATABASE__DSN"] = self.database.dsn
        env.update(extra or {})
        return found

    def environment(self, config: Rendered, name: str) -> dict[str, str]:
        directory = self.workdir / f"secrets-{name}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        for file, value in config.secrets.items():
            (directory / file).write_text(value, encoding="utf-8")
        return {
            **config.env,
            SECRETS_DIR_ENV: str(directory),
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT / "apps" / "lookout"),
        }

    def run(self, service: str, *args: str) -> subprocess.CompletedProcess[str]:
        config = self.config(service)
        return subprocess.run(
            [sys.executable, "-m", "lookout", *args],
            env=self.environment(config, f"{service}-run"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(
        self, service: str, extra: dict[str, str] | None = None, name: str | None = None
    ) -> Service:
        name = name or service
        config = self.config(service, extra, name=name)
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "lookout", "serve", service],
                env=self.environment(config, name),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        port = None
        if service in ("api", "query", "frontend", "ingest"):
            port = int(config.env.get("LOOKOUT_PORT") or config.env["LOOKOUT_HTTP_PORT"])
        started = Service(name, process, log_path, port)
        self.services[name] = started
        return started

    def wait_ready(self, service: Service) -> None:
        def ready() -> bool:
            if service.process.poll() is not None:
                pytest.fail(f"{service.name} exited {service.process.returncode}:\n{service.log()}")
            if service.port is None:
                return "starting" in service.log()
            return http("GET", f"{service.url}/readyz", timeout=3)[0] == 200

        wait_for(f"{service.name} ready", ready)

    def stop_all(self) -> dict[str, int]:
        return {name: service.stop() for name, service in self.services.items()}


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    """PostgreSQL database (migrated with the migrations Job's config), MinIO with the
    rendered bucket, an SMTP receiver; services are started by the test."""
    docs = render_dev()
    minio_secrets = rendered(docs, "ingest").secrets
    user = minio_secrets["LOOKOUT_OBJECT_STORAGE__ACCESS_KEY_ID"]
    password = minio_secrets["LOOKOUT_OBJECT_STORAGE__SECRET_ACCESS_KEY"]
    workdir = Path(tempfile.mkdtemp(prefix="lookout-serve-"))
    try:
        with (
            throwaway_database() as database,
            run_minio(user, password, workdir) as minio,
            Mailbox() as mailbox,
        ):
            built = Stack(workdir, docs, database, minio, mailbox)
            try:
                yield built
            finally:
                built.stop_all()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def storage_client(running: Stack) -> S3Client:
    """A client of the bucket with the keys and address the services get."""
    config = running.config("ingest")
    env, files = config.env, config.secrets
    return S3Client(
        ObjectStorageSettings(
            uri=env["LOOKOUT_OBJECT_STORAGE__URI"],
            endpoint_url=env["LOOKOUT_OBJECT_STORAGE__ENDPOINT_URL"],
            force_path_style=env["LOOKOUT_OBJECT_STORAGE__FORCE_PATH_STYLE"] == "true",
            access_key_id=SecretStr(files["LOOKOUT_OBJECT_STORAGE__ACCESS_KEY_ID"]),
            secret_access_key=SecretStr(files["LOOKOUT_OBJECT_STORAGE__SECRET_ACCESS_KEY"]),
        )
    )


@contextlib.contextmanager
def migrated_stack() -> Iterator[Stack]:
    """``stack()`` with the schema migrated by the migrations Job's config, and the bucket."""
    with stack() as built:
        migrated = built.run("migrations", "migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        storage_client(built).create_bucket()
        yield built
