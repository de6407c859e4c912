#!/usr/bin/env bash
# The pod sandbox image: our static pause program alone.
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" pause)
pack pause "$(image_key "$0" "$bin")" --file "$bin:/pause:0755" --entrypoint '["/pause"]' --user 65535:65535
