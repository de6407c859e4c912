# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make chart   set up (venv, project, Helm 3 + 4), generate generated/, lint it
#   make test    ruff, drift check, and the test suite on both Helm lines
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HELM3 := .tools/helm-3.17.2/helm
HELM4 := .tools/helm-4.3.1/helm
# checkov pins versions that clash with the project's (packaging, dateutil): its own venv.
CHECKOV := .tools/checkov/bin/checkov
CHART := generated/lookout
# The reference app's chartgen project (its pyproject.toml holds [tool.chartgen]).
APP := apps/lookout
CHARTGEN := $(BIN)/chartgen
# Another Helm binary for `make lint`, e.g. HELM=/usr/local/bin/helm make lint
HELM ?=
# What `make release-notes` compares with: a git revision or a chart directory.
BASE ?= $(shell git describe --tags --abbrev=0 2>/dev/null || echo HEAD~1)

.PHONY: chart test check lint bench tools bootstrap clean postgres minio examples release-notes \
	cluster cluster-down images e2e property

bootstrap: $(VENV)/.installed tools

$(VENV)/.installed: pyproject.toml $(APP)/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' -e $(APP)
	touch $@

tools: $(HELM3) $(HELM4) $(CHECKOV)

$(CHECKOV):
	$(PYTHON) -m venv .tools/checkov
	.tools/checkov/bin/python -m pip install --quiet --disable-pip-version-check checkov==3.3.30

$(HELM3) $(HELM4) &: tools/fetch_helm.py
	$(PYTHON) tools/fetch_helm.py .tools

chart: bootstrap
	$(CHARTGEN) build --project $(APP)
	$(MAKE) --no-print-directory lint

lint: bootstrap
	@for helm in $(HELM3) $(HELM4) $(HELM); do \
	  for values in $(CHART)/ci/*.yaml; do \
	    echo "$$($$helm version --short) lint --strict -f $$values"; \
	    $$helm lint --strict --quiet $(CHART) --values $$values || exit 1; \
	  done; \
	done

check: bootstrap
	$(CHARTGEN) check --project $(APP)

# PostgreSQL on 127.0.0.1:5432 for tests/lookout/test_database.py: installs Debian's package (as
# root) and starts it when needed; idempotent and fast when it already runs.
postgres:
	bash tools/postgres.sh

# MinIO for tests/lookout/test_serve_*.py: built from its Go module at a pinned version (needs Go;
# minutes the first time), cached under $${XDG_CACHE_HOME:-~/.cache}/chartgen-tools/.
minio:
	bash tools/minio.sh >/dev/null

# The third-party example app (Prefect, pinned) in its own venv: its dependencies are not ours.
EXAMPLES_VENV := .tools/examples
$(EXAMPLES_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(EXAMPLES_VENV)
	$(EXAMPLES_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e . prefect==3.9.1
	touch $@

examples: $(EXAMPLES_VENV)/.installed

test: bootstrap postgres minio examples
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(CHARTGEN) check --project $(APP)
	$(BIN)/pytest -n 2 -q

# Upgrade notes (markdown) of the chart since BASE on stdout, e.g. make release-notes BASE=v0.1.0
# (setting up goes to stderr, so the notes can be redirected); fails (exit 1) when Chart.yaml's
# version bump does not cover the changes.
release-notes:
	@$(MAKE) --no-print-directory $(VENV)/.installed $(HELM4) >&2
	@$(CHARTGEN) diff --project $(APP) --base $(BASE) --helm $(HELM4)

bench: bootstrap
	$(BIN)/python tools/bench.py

# The values property test drawn deeper than `make test` does (4 per section), with counts:
# make property EXAMPLES=50 writes one JSON line per section to .cache/property.jsonl.
EXAMPLES ?= 25
property: bootstrap
	mkdir -p .cache && rm -f .cache/property.jsonl
	PROPERTY_EXAMPLES=$(EXAMPLES) PROPERTY_REPORT=.cache/property.jsonl \
	  $(BIN)/pytest -n 2 -q -p no:cacheprovider tests/chart/test_values_property.py
	$(BIN)/python -c "import json,collections; t=collections.Counter(); \
	  [t.update({k: v for k, v in json.loads(l).items() if k != 'section'}) \
	   for l in open('.cache/property.jsonl')]; print(dict(t))"

# Local cluster (README, "Local cluster"): a single-node Kubernetes built from the pinned Go
# modules in cluster/, confined to the network namespace chartgen-node, its API server on
# 127.0.0.1:16443, admin kubeconfig .cluster/kubeconfig. Needs root. Idempotent.
cluster:
	bash cluster/up.sh

cluster-down:
	bash cluster/down.sh

# The cluster's images as OCI tars (cached under ~/.cache/chartgen-cluster/images);
# IMAGES="lookout" builds only those.
images:
	bash images/build-all.sh

# The end-to-end checks on a running cluster (README, "Local cluster"): the cluster itself, the
# chart's dev and production installs, upgrade, rollback, uninstall, lookup, server dry-runs.
e2e: $(VENV)/.installed
	$(BIN)/pytest -m e2e -p no:xdist -o addopts="" tests/e2e

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache
