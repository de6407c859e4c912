"""shortlink's chart: two workloads, everything else from chartgen's defaults."""

from chartgen.model.declaration import ChartDeclaration, HttpProbe, IngressPath, Port, Workload
from shortlink.settings import SECRETS_DIR, WebSettings, WorkerSettings

CHART = ChartDeclaration(
    name="shortlink",
    description="A link shortener.",
    about="shortlink turns long URLs into short ones and counts their clicks.",
    version="0.3.0",
    app_version="0.3.0",
    image_registry="ghcr.io",
    image_repository="example/shortlink",
    public_url_setting="public_url",
    secrets_dir=SECRETS_DIR,
    workloads=(
        Workload(
            name="web",
            description="Redirects and the admin UI.",
            settings=WebSettings,
            command=("shortlink", "web"),
            ports=(Port("http", 8000),),
            liveness=HttpProbe("/healthz"),
            readiness=HttpProbe("/healthz"),
            ingress=(IngressPath("/"),),
        ),
        Workload(
            name="worker",
            description="Counts clicks.",
            settings=WorkerSettings,
            command=("shortlink", "worker"),
            ports=(Port("http", 9000),),
        ),
    ),
)
