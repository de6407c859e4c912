#!/usr/bin/env bash
# MinIO's client: mc on PATH plus a static shell and coreutils (Debian's busybox-static),
# because the chart's bucket Job runs `/bin/sh -ec "mc ... $(cat ...)"` as the upstream
# image (a minimal distribution with a shell) allows.
source "$(dirname "$0")/lib.sh"
bin=$("$repo/cluster/build.sh" mc)
work=$cache/work/mc
mkdir -p "$work"
deb=$(cd "$work" && ls busybox-static_*.deb 2>/dev/null | head -1 || true)
if [[ -z $deb ]]; then
  (cd "$work" && apt-get download busybox-static >&2)
  deb=$(cd "$work" && ls busybox-static_*.deb | head -1)
fi
key=$(image_key "$0" "$bin" "$work/$deb")
if [[ ! -f $cache/images/mc-$key.tar ]]; then
  rm -rf "$work/root" && mkdir -p "$work/root/bin" "$work/root/usr/bin" "$work/root/tmp"
  dpkg-deb -x "$work/$deb" "$work/bb"
  cp "$work/bb/bin/busybox" "$work/root/bin/busybox"
  for applet in $("$work/root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$work/root/bin/$applet"
  done
  cp "$bin" "$work/root/usr/bin/mc"
  chmod 1777 "$work/root/tmp"
fi
pack mc "$key" --layer "$work/root" --env PATH=/usr/bin:/bin --user 10001:10001
