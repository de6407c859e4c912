#!/usr/bin/env bash
# The PVC provisioner (cluster/provisioner): the static binary alone.
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" provisioner)
pack provisioner "$(image_key "$0" "$bin")" --file "$bin:/provisioner:0755" --entrypoint '["/provisioner"]'
