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

# image_key RECIPE [INPUT...]: 16 hex digits over the recipe, lib, packer and inputs (files
# or strings).
image_key() {
  {
    cat "$1" "$images_dir/lib.sh" "$repo/tools/oci_image.py"
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
    bookworm "$dir" /etc/apt/sources.list.d/debian.sources >&2
}

# A passwd/group line for the uid the chart runs everything as (10001): programs that look
# their user up (initdb, npm, Python's getpass) find it. Its home is /tmp, writable in pods.
add_app_user() {  # ROOTFS NAME
  echo "$2:x:10001:10001::/tmp:/usr/sbin/nologin" >> "$1/etc/passwd"
  echo "$2:x:10001:" >> "$1/etc/group"
}
