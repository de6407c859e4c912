#!/usr/bin/env bash
# Lookout's image: Debian's Python 3.11 and a venv at /opt/lookout with the project
# installed by pip (dependencies from PyPI). LOOKOUT_DISTS lists the local distributions to
# install, repository-relative: chartgen (the root pyproject, for chartgen.runtime) and the
# lookout distribution in apps/lookout.
# pip runs with a clean environment: the host's PIP_*/SSL_* variables name host paths.
source "$(dirname "$0")/lib.sh"
read -r -a dists <<<"${LOOKOUT_DISTS:-. apps/lookout}"
work=$cache/work/lookout

# The sources pip sees: tracked and untracked-but-not-ignored files of each distribution
# (never .venv, .cluster or caches), less the repository's parts no distribution packages
# (LOOKOUT_SRC_EXCLUDE), so editing the cluster or the tests does not rebuild the image.
# Their hash keys the image.
read -r -a exclude <<<"${LOOKOUT_SRC_EXCLUDE:-.ci .gitignore Makefile CHANGELOG.md cluster images tests generated examples tools templates presets}"
sources() {
  git -C "$repo" ls-files -co --exclude-standard -- "${dists[@]}" "${exclude[@]/#/:!}" | sort -u
}
src_hash=$(cd "$repo" && sources | while read -r f; do [[ -f $f ]] && echo "$f $(sha256sum < "$f")"; done | sha256sum | cut -c1-16)
key=$(image_key "$0" "$(declare -f debian_rootfs apt_sources add_app_user)" "$ca_in $ca_out" bookworm python3 "${dists[*]}" "$src_hash")

if [[ ! -f $cache/images/lookout-$key.tar ]]; then
  rm -rf "$work" && mkdir -p "$work/src"
  (cd "$repo" && sources | while read -r f; do [[ -f $f ]] && echo "$f"; done | tar -cf - -T -) | tar -xf - -C "$work/src"
  pip_args=""
  for d in "${dists[@]}"; do pip_args+=" /tmp/src/$d"; done
  debian_rootfs "$work/root" python3,python3-venv,ca-certificates \
    "cp -a '$work/src' \"\$1/tmp/src\"" \
    'chroot "$1" python3 -m venv /opt/lookout' "$ca_in" \
    "chroot \"\$1\" env -i PATH=/usr/bin:/bin HOME=/root PIP_CERT=/tmp/build-ca.crt SSL_CERT_FILE=/tmp/build-ca.crt /opt/lookout/bin/pip install --quiet --no-cache-dir --disable-pip-version-check$pip_args" \
    "$ca_out" 'rm -rf "$1/tmp/src"'
  add_app_user "$work/root" lookout
fi
pack lookout "$key" --layer "$work/root" \
  --env PATH=/opt/lookout/bin:/usr/local/bin:/usr/bin:/bin --env PYTHONDONTWRITEBYTECODE=1 \
  --env LANG=C.UTF-8 --user 10001:10001 --workdir /tmp
# The tar is the cache; the root filesystem is not needed after packing.
rm -rf "$work/root"
