# Helpers of the image recipes; sourced. Each recipe images/NAME.sh prints one line,
#   <image reference> <OCI tar>
# and builds the tar only when the cache has none for the recipe's key (a hash of the
# recipe, this file, the packer and the recipe's own inputs).
set -euo pipefail
images_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$images_dir/.." && pwd)
cache=${CHARTGEN_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartgen-cluster}
REGISTRY=chartgen.local   # never resolved: the images exist only in the cluster's containerd
# Deterministic layers: the same inputs give the same digests.
export SOURCE_DATE_EPOCH=0

# image_key RECIPE [INPUT...]: 16 hex digits over the recipe, the packer, the pack function
# and the inputs: files (by content) or strings (e.g. "$(declare -f debian_rootfs)" for a
# helper the recipe uses, so editing another helper rebuilds nothing).
image_key() {
  {
    cat "$1" "$repo/tools/oci_image.py"
    declare -f pack
    shift
    local x
    for x in "$@"; do if [[ -f $x ]]; then sha256sum < "$x"; else echo "$x"; fi; done
  } | sha256sum | cut -c1-16
}

# pack NAME KEY ARGS...: tools/oci_image.py into $cache/images/NAME-KEY.tar unless there.
pack() {
  local name=$1 key=$2
  shift 2
  local out=$cache/images/$name-$key.tar ref=$REGISTRY/$name:$key
  if [[ ! -f $out ]]; then
    mkdir -p "$cache/images"
    local start=$SECONDS
    python3 "$repo/tools/oci_image.py" --out "$out" --name "$ref" "$@" >&2
    echo "image: $name packed in $((SECONDS - start))s ($(du -h "$out" | cut -f1))" >&2
  fi
  echo "$ref $out"
}

# debian_rootfs DIR PACKAGES HOOK...: a bookworm root filesystem from Debian's packages
# (mmdebstrap, minbase), with the host's apt sources; hooks run after the packages, with
# the rootfs as $1. Docs, man pages and apt's lists are dropped: the image runs, nobody
# reads there.
debian_rootfs() {
  local dir=$1 packages=$2
  shift 2
  local hooks=()
  local h
  for h in "$@"; do hooks+=(--customize-hook="$h"); done
  rm -rf "$dir"
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    "${hooks[@]}" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
    bookworm "$dir" "$(apt_sources)" >&2
}

# The host's Debian sources (deb822) when it has them, so the rootfs comes from the mirror
# the machine uses; else Debian's default mirror.
apt_sources() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [[ -f $f ]]; then echo "$f"; else echo http://deb.debian.org/debian; fi
}

# Hooks that need the network (pip, npm) go through this machine's TLS setup: the host's CA
# bundle is copied in for the build step only (never left in the image).
HOST_CA=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
ca_in='cp "'"$HOST_CA"'" "$1/tmp/build-ca.crt"'
ca_out='rm -f "$1/tmp/build-ca.crt"'

# A passwd/group line for the uid the chart runs everything as (10001): programs that look
# their user up (initdb, npm, Python's getpass) find it. Its home is /tmp, writable in pods.
add_app_user() {  # ROOTFS NAME
  echo "$2:x:10001:10001::/tmp:/usr/sbin/nologin" >> "$1/etc/passwd"
  echo "$2:x:10001:" >> "$1/etc/group"
}

# busybox_deb DIR: Debian's busybox-static package, downloaded once into DIR; prints its
# file name.
busybox_deb() {
  local deb
  deb=$(cd "$1" && ls busybox-static_*.deb 2>/dev/null | head -1 || true)
  if [[ -z $deb ]]; then
    (cd "$1" && apt-get download busybox-static >&2)
    deb=$(cd "$1" && ls busybox-static_*.deb | head -1)
  fi
  echo "$deb"
}

# busybox_root DEB ROOT: a root filesystem of busybox and a symlink per applet in /bin,
# and a world-writable /tmp.
busybox_root() {
  local tmp applet
  rm -rf "$2" && mkdir -p "$2/bin" "$2/tmp"
  tmp=$(mktemp -d)
  dpkg-deb -x "$1" "$tmp"
  cp "$tmp/bin/busybox" "$2/bin/busybox"
  rm -rf "$tmp"
  for applet in $("$2/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$2/bin/$applet"
  done
  chmod 1777 "$2/tmp"
}
