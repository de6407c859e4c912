#!/usr/bin/env bash
# MinIO's client: mc on PATH plus a static shell and coreutils (Debian's busybox-static),
# because the chart's bucket Job runs `/bin/sh -ec "mc ... $(cat ...)"` as the upstream
# image (a minimal distribution with a shell) allows.
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" mc)
work=$cache/work/mc
mkdir -p "$work"
deb=$(busybox_deb "$work")
key=$(image_key "$0" "$(declare -f busybox_deb busybox_root)" "$bin" "$work/$deb")
if [[ ! -f $cache/images/mc-$key.tar ]]; then
  busybox_root "$work/$deb" "$work/root"
  mkdir -p "$work/root/usr/bin"
  cp "$bin" "$work/root/usr/bin/mc"
fi
pack mc "$key" --layer "$work/root" --env PATH=/usr/bin:/bin --user 10001:10001
