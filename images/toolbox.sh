#!/usr/bin/env bash
# A shell and the usual tools (Debian's busybox-static) for the cluster's own checks
# (tests/e2e): sh, nslookup, wget, httpd.
source "$(dirname "$0")/lib.sh"
work=$cache/work/toolbox
mkdir -p "$work"
deb=$(busybox_deb "$work")
key=$(image_key "$0" "$(declare -f busybox_deb busybox_root)" "$work/$deb")
if [[ ! -f $cache/images/toolbox-$key.tar ]]; then
  busybox_root "$work/$deb" "$work/root"
fi
pack toolbox "$key" --layer "$work/root" --env PATH=/bin --user 10001:10001
