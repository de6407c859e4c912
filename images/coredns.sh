#!/usr/bin/env bash
# CoreDNS: the static binary alone, run as a non-root uid (cluster/addons/coredns.yaml).
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" coredns)
pack coredns "$(image_key "$0" "$bin")" --file "$bin:/coredns:0755" --entrypoint '["/coredns"]' --user 65532:65532
