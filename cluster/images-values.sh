#!/usr/bin/env bash
# Prints a Helm values file that points every image of the chart at the cluster's local
# images (.cluster/images.txt), never pulled:
#   helm install x generated/lookout -f generated/lookout/ci/dev-values.yaml -f .cluster/images-values.yaml
set -euo pipefail
source "$(dirname "$0")/env.sh"
ref() { awk -v n="/$1:" 'index($1, n) {print $1}' "$state/images.txt"; }
repo_of() { local r; r=$(ref "$1"); echo "${r%:*}"; }
tag_of() { local r; r=$(ref "$1"); echo "${r##*:}"; }
lookout=$(repo_of lookout)
cat <<YAML
# Written by cluster/images-values.sh for the local cluster (make cluster); do not edit.
image:
  registry: ${lookout%%/*}
  repository: ${lookout#*/}
  tag: "$(tag_of lookout)"
  digest: ""
  # Every image exists only in the cluster's containerd.
  pullPolicy: Never
dev:
  postgresql:
    image: {repository: $(repo_of postgres), tag: "$(tag_of postgres)", pullPolicy: Never}
  minio:
    image: {repository: $(repo_of minio), tag: "$(tag_of minio)", pullPolicy: Never}
    clientImage: {repository: $(repo_of mc), tag: "$(tag_of mc)", pullPolicy: Never}
  mail:
    image: {repository: $(repo_of maildev), tag: "$(tag_of maildev)", pullPolicy: Never}
    # Our image has maildev on PATH (the upstream one starts bin/maildev in /home/node).
    command: [maildev]
YAML
