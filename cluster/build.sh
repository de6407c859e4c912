#!/usr/bin/env bash
# Builds the cluster's Go programs from the modules pinned in cluster/*/go.mod (verified by
# go.sum) into a cache outside the clone, keyed by what determines the result, so a fresh
# clone on the same machine reuses them and a fresh machine rebuilds from nothing.
#   cluster/build.sh kube|coredns|provisioner|minio|mc|kube-router|pause   -> prints the binary's path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CHARTGEN_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartgen-cluster}

# key = hash of a Go module's go.mod, go.sum, Go sources and the Go version.
key_of() {
  local dir=$1
  { go version; cat "$dir"/go.mod "$dir"/go.sum; find "$dir" -name '*.go' | sort | xargs cat; } \
    | sha256sum | cut -c1-16
}

ldflags_kube() {
  # What Kubernetes' own release build stamps in (hack/lib/version.sh): the components
  # report it to each other and to clients (Helm checks kubeVersion against it).
  local v pkg
  v=$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$here/kube/go.mod")
  local major minor
  major=${v#v}; major=${major%%.*}; minor=${v#v*.}; minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=1970-01-01T00:00:00Z ' \
      "$pkg" "$v" "$pkg" "$major" "$pkg" "$minor" "$pkg" "$pkg"
  done
}

ldflags_kube_router() {
  # What kube-router's own Makefile stamps in (it logs its version at start).
  local v pkg=github.com/cloudnativelabs/kube-router/v2/pkg/version
  v=$(awk '$1 == "require" && $2 == "github.com/cloudnativelabs/kube-router/v2" {print $3; exit}' "$here/kube-router/go.mod")
  printf -- '-X %s.Version=%s -X %s.BuildDate=1970-01-01T00:00:00Z' "$pkg" "$v" "$pkg"
}

build_go() {  # name moduledir package [extra ldflags]
  local name=$1 dir=$2 pkg=$3 extra=${4:-}
  local out="$cache/$name-$(key_of "$dir")/$name"
  if [[ ! -x $out ]]; then
    echo "build: $name ($dir) -> $out" >&2
    mkdir -p "$(dirname "$out")"
    local start=$SECONDS
    (cd "$dir" && CGO_ENABLED=0 go build -mod=readonly -trimpath \
      -ldflags "-s -w $extra" -o "$out.tmp" "$pkg")
    mv "$out.tmp" "$out"
    echo "build: $name took $((SECONDS - start))s" >&2
  fi
  echo "$out"
}

case ${1:?what to build} in
  kube) build_go kube "$here/kube" . "$(ldflags_kube)" ;;
  provisioner) build_go provisioner "$here/provisioner" . ;;
  coredns) build_go coredns "$here/coredns" . ;;
  minio) build_go minio "$here/minio" github.com/minio/minio ;;
  mc) build_go mc "$here/mc" github.com/minio/mc ;;
  kube-router)
    build_go kube-router "$here/kube-router" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router \
      "$(ldflags_kube_router)" ;;
  pause)
    out="$cache/pause-$({ gcc --version | head -1; cat "$here/pause/pause.c"; } | sha256sum | cut -c1-16)/pause"
    if [[ ! -x $out ]]; then
      mkdir -p "$(dirname "$out")"
      gcc -static -Os -s -o "$out.tmp" "$here/pause/pause.c" && mv "$out.tmp" "$out"
    fi
    echo "$out" ;;
  *) echo "unknown: $1" >&2; exit 2 ;;
esac
