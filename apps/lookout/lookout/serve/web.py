"""A small JSON-over-HTTP layer on the standard library's ``http.server``.

Concurrency: ``ThreadingHTTPServer``, one thread per connection. Responses are HTTP/1.0
(one request per connection), so a stopping server only waits for requests in flight.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("lookout.http")


class HttpError(Exception):
    """Answer with ``status`` and ``{"error": message}``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, "body is not valid JSON") from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise HttpError(400, "body must be a JSON object")
        return data

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def bearer(self) -> str | None:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, default=str).encode())


Handler = Callable[[Request], Response]


class Router:
    """Routes by method and a path pattern with ``{name}`` segments."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        # {name} matches one path segment, {name*} the rest of the path.
        regex = re.sub(r"\{(\w+)\*\}", r"(?P<\1>.*)", pattern)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self._routes.append((method, re.compile(f"^{regex}$"), handler))

    def dispatch(self, request: Request) -> Response:
        allowed = False
        for method, regex, handler in self._routes:
            match = regex.match(request.path)
            if match is None:
                continue
            if method != request.method and not (method == "GET" and request.method == "HEAD"):
                allowed = True
                continue
            request.params = match.groupdict()
            return handler(request)
        if allowed:
            raise HttpError(405, f"{request.method} not allowed on {request.path}")
        raise HttpError(404, f"no such path: {request.path}")


@dataclass
class HttpConfig:
    router: Router
    max_body_bytes: int
    timeout_seconds: float
    # Extra response headers per request (CORS); returns {} when none apply.
    extra_headers: Callable[[Request], dict[str, str]] = lambda request: {}


def _handler_class(config: HttpConfig) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        server_version = "lookout"
        sys_version = ""
        timeout = config.timeout_seconds  # socket timeout: slow clients cannot hold a thread

        def _handle(self) -> None:
            started = time.monotonic()
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parse_qs(parts.query), self.headers, b"")
            try:
                response = self._respond(request)
            except HttpError as error:
                response = json_response({"error": error.message}, error.status)
                response.headers.update(error.headers)
            except Exception:
                log.exception("unhandled error on %s %s", self.command, parts.path)
                response = json_response({"error": "internal error"}, 500)
            response.headers.update(config.extra_headers(request))
            self._send(response)
            level = logging.INFO if response.status >= 500 else logging.DEBUG
            log.log(
                level,
                "%s %s %d",
                self.command,
                parts.path,
                response.status,
                extra={"duration_ms": round((time.monotonic() - started) * 1000, 1)},
            )

        def _respond(self, request: Request) -> Response:
            length_header = self.headers.get("Content-Length")
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                raise HttpError(411, "send Content-Length (chunked bodies are not accepted)")
            try:
                length = int(length_header or 0)
            except ValueError:
                raise HttpError(400, "bad Content-Length") from None
            if length > config.max_body_bytes:
                # Not read: the connection closes after the answer (HTTP/1.0).
                raise HttpError(
                    413, f"body of {length} bytes exceeds the limit of {config.max_body_bytes}"
                )
            request.body = self.rfile.read(length) if length else b""
            if len(request.body) != length:
                raise HttpError(400, "body shorter than Content-Length")
            return config.router.dispatch(request)

        def _send(self, response: Response) -> None:
            try:
                self.send_response(response.status, HTTPStatus(response.status).phrase)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
            except OSError:
                pass  # the client went away

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # logged by _handle

    return _Handler


class Server(ThreadingHTTPServer):
    # Request threads are joined on close: a stopping server finishes what it accepted.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (shared by pre-forked workers)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(Server.request_queue_size)
    # Non-blocking: when processes share the socket, all wake for one connection and the
    # losers' accept must fail (and be retried) rather than block past a shutdown.
    sock.setblocking(False)
    return sock


def make_server(config: HttpConfig, sock: socket.socket) -> Server:
    server = Server(sock.getsockname()[:2], _handler_class(config), bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    return server


def serve_until(server: Server, stop: threading.Event) -> None:
    """Serve in a thread until ``stop`` is set, then stop accepting and finish requests."""
    thread = threading.Thread(target=server.serve_forever, args=(0.2,), name="http-accept")
    thread.start()
    stop.wait()
    server.shutdown()
    thread.join()
    server.server_close()
