#!/usr/bin/env bash
# Applies the cluster's add-ons (CoreDNS, the storage provisioner and its default
# StorageClass) with the local image references from .cluster/images.txt.
set -euo pipefail
source "$(dirname "$0")/env.sh"
image() { awk -v n="/$1:" 'index($1, n) {print $1}' "$state/images.txt"; }
for f in "$repo"/cluster/addons/*.yaml; do
  sed -e "s|@DNS_IP@|$DNS_IP|g" -e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" \
    -e "s|@COREDNS_IMAGE@|$(image coredns)|g" -e "s|@PROVISIONER_IMAGE@|$(image provisioner)|g" \
    -e "s|@VOLUMES_DIR@|$state/volumes|g" "$f"
  echo "---"
done | "$state/bin/kubectl" --kubeconfig "$state/kubeconfig" apply -f - >/dev/null
