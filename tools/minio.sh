#!/usr/bin/env bash
# MinIO server for tests/lookout/test_serve_*.py: builds it from its Go module at a pinned version
# (MinIO tags releases as RELEASE.*, not semver, so the module proxy knows it only by
# pseudo-version: `go list -m github.com/minio/minio@latest` gives the newest) and caches the
# binary under ${XDG_CACHE_HOME:-$HOME/.cache}/chartgen-tools/minio-<version>/minio.
# Idempotent and instant once built; the first build takes several minutes on 2 cores.
# Prints the binary's path on stdout.
set -euo pipefail
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
DIR="${XDG_CACHE_HOME:-$HOME/.cache}/chartgen-tools/minio-$VERSION"
BIN="$DIR/minio"
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "tools/minio.sh: needs Go (go.dev toolchain)" >&2; exit 1; }
  mkdir -p "$DIR"
  echo "tools/minio.sh: building github.com/minio/minio@$VERSION (minutes)…" >&2
  # Build into a temporary name so an interrupted build never leaves a half binary.
  TMP="$(mktemp -d "$DIR/.build.XXXXXX")"
  trap 'rm -rf "$TMP"' EXIT
  CGO_ENABLED=0 GOBIN="$TMP" GOFLAGS="${GOFLAGS:-} -trimpath" \
    go install "github.com/minio/minio@$VERSION" >&2
  mv "$TMP/minio" "$BIN"
fi
echo "$BIN"
