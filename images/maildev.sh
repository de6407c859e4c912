#!/usr/bin/env bash
# MailDev from the npm registry (package maildev at the version the chart pins) on Debian's
# nodejs; `maildev` on PATH. npm itself is removed after the install.
source "$(dirname "$0")/lib.sh"
version=2.2.1
work=$cache/work/maildev
key=$(image_key "$0" "$(declare -f debian_rootfs apt_sources add_app_user)" "$ca_in $ca_out" bookworm nodejs "$version")
if [[ ! -f $cache/images/maildev-$key.tar ]]; then
  mkdir -p "$work"
  debian_rootfs "$work/root" nodejs,npm "$ca_in" \
    "chroot \"\$1\" env NODE_EXTRA_CA_CERTS=/tmp/build-ca.crt npm install --global --omit=dev --no-audit --no-fund --loglevel=error maildev@$version" \
    'chroot "$1" apt-get purge -y -qq --autoremove npm' \
    'rm -rf "$1/root/.npm"' "$ca_out"
  add_app_user "$work/root" maildev
fi
pack maildev "$key" --layer "$work/root" --env PATH=/usr/local/bin:/usr/bin:/bin \
  --env NODE_ENV=production --user 10001:10001 --workdir /tmp
# The tar is the cache; the root filesystem is not needed after packing.
rm -rf "$work/root"
