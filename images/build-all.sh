#!/usr/bin/env bash
# `make images`: every image of the local cluster, one "<reference> <OCI tar>" line each on
# stdout. Cached: a recipe whose inputs did not change prints its cached tar at once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# IMAGES=... builds only those (e.g. IMAGES=lookout after a source change).
for recipe in ${IMAGES:-pause coredns provisioner toolbox postgres minio mc maildev lookout}; do
  start=$SECONDS
  bash "$here/$recipe.sh"
  echo "images: $recipe ready in $((SECONDS - start))s" >&2
done
