#!/usr/bin/env bash
# PostgreSQL from Debian's package: postgres, initdb, pg_ctl, pg_isready and psql first on
# PATH, uid 10001 named postgres. Hooks act on the rootfs by chroot or on regular files
# only: its /var/run is a symlink to /run, which outside a chroot is the host's.
# Nothing runs by itself (no entrypoint, no initdb at start): the chart's container must say
# what to run (README, "Local cluster").
source "$(dirname "$0")/lib.sh"
work=$cache/work/postgres
key=$(image_key "$0" "$(declare -f debian_rootfs apt_sources)" bookworm postgresql-15)
if [[ ! -f $cache/images/postgres-$key.tar ]]; then
  mkdir -p "$work"
  debian_rootfs "$work/root" postgresql-15 \
    'rm -rf "$1"/etc/postgresql/* "$1"/var/lib/postgresql/*' \
    'sed -i "s/^postgres:x:[0-9]*:[0-9]*:/postgres:x:10001:10001:/" "$1/etc/passwd"' \
    'sed -i "s/^postgres:x:[0-9]*:/postgres:x:10001:/" "$1/etc/group"' \
    'chroot "$1" chown -R postgres:postgres /var/lib/postgresql'
fi
pack postgres "$key" --layer "$work/root" --keep-owners \
  --env PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin --env LANG=C.UTF-8 \
  --user 10001:10001
# The tar is the cache; the root filesystem is not needed after packing.
rm -rf "$work/root"
