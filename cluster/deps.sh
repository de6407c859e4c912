#!/usr/bin/env bash
# Installs the Debian packages the local cluster and the image recipes need, only those
# missing, so a second run costs one dpkg query. Run as root (CI and developers are).
set -euo pipefail

packages=(
  containerd runc containernetworking-plugins  # container runtime + CNI bridge/host-local/loopback/portmap
  iptables conntrack ipset ethtool socat iproute2 kmod util-linux  # kube-proxy, port-forward, netns
  openssl                                      # the cluster's CA and certificates
  mmdebstrap                                   # Debian root filesystems for the app and postgres images
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing on a fresh machine; refresh them once per run.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
