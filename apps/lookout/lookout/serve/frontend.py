"""The frontend service: the web UI page, and /api passed through to the api service.

Concurrency: a threaded HTTP server. With an Ingress, /api never reaches this service (it
routes /api to the api); without one (dev mode, ``kubectl port-forward``) the frontend
forwards /api requests to ``api_url`` itself, so the page works either way.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from lookout.serve.health import Health
from lookout.serve.page import PAGE
from lookout.serve.runtime import Stopper, listen_host
from lookout.serve.web import (
    HttpConfig,
    HttpError,
    Request,
    Response,
    Router,
    listening_socket,
    make_server,
    serve_until,
)
from lookout.settings.frontend import FrontendSettings

log = logging.getLogger("lookout.frontend")

MAX_BODY_BYTES = 1024 * 1024
PROXY_TIMEOUT_SECONDS = 30
# Request headers passed on to the api.
FORWARDED = ("Authorization", "Content-Type", "Accept")


def render_page(settings: FrontendSettings) -> bytes:
    """The page, from static_dir/index.html when the image has one, else the built-in one."""
    custom = Path(settings.static_dir, "index.html")
    template = custom.read_text(encoding="utf-8") if custom.is_file() else PAGE
    config = {
        "name": settings.instance.name,
        "publicUrl": str(settings.instance.public_url),
        "theme": settings.theme,
        "featureFlags": settings.feature_flags,
    }
    # Safe inside <script>: no "</" can close the element.
    config_js = json.dumps(config).replace("</", "<\\/")
    return (
        template.replace("__NAME__", html.escape(settings.instance.name))
        .replace("__THEME__", settings.theme)
        .replace("__CONFIG__", config_js)
        .encode()
    )


class Frontend:
    def __init__(self, settings: FrontendSettings) -> None:
        self.settings = settings
        self.page = render_page(settings)
        self.api_url = str(settings.api_url).rstrip("/")

    def routes(self, router: Router) -> None:
        router.add("GET", "/", self.index)
        for method in ("GET", "POST"):
            router.add(method, "/api/{rest*}", self.proxy)

    def index(self, request: Request) -> Response:
        return Response(
            200,
            self.page,
            "text/html; charset=utf-8",
            {
                "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                "style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def proxy(self, request: Request) -> Response:
        url = self.api_url + request.path
        if request.query:
            url += "?" + urlencode(request.query, doseq=True)
        headers = {name: request.headers[name] for name in FORWARDED if request.headers.get(name)}
        upstream = urllib.request.Request(
            url,
            data=request.body if request.method == "POST" else None,
            method=request.method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(upstream, timeout=PROXY_TIMEOUT_SECONDS) as answer:
                return Response(
                    answer.status, answer.read(), answer.headers.get("Content-Type") or ""
                )
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read(), error.headers.get("Content-Type") or "")
        except OSError as error:
            raise HttpError(502, f"api unreachable: {error}") from None


def serve(settings: FrontendSettings, stop: Stopper) -> int:
    log.info("frontend starting", extra={"port": settings.port, "api_url": str(settings.api_url)})
    health = Health({}, stop.event)  # ready as soon as it listens: it serves a static page
    router = Router()
    health.routes(router)
    Frontend(settings).routes(router)
    sock = listening_socket(listen_host(), settings.port)
    serve_until(make_server(HttpConfig(router, MAX_BODY_BYTES, 30), sock), stop.event)
    log.info("frontend stopped")
    return 0
