#!/usr/bin/env bash
# MinIO's server: the static binary on PATH (/usr/bin/minio, where the upstream image has
# it) and nothing else; no entrypoint: the chart's container says `minio server ...`.
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" minio)
pack minio "$(image_key "$0" "$bin")" --file "$bin:/usr/bin/minio:0755" --dir tmp:1777 \
  --env PATH=/usr/bin:/bin --user 10001:10001
