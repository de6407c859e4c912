#!/usr/bin/env bash
# Patches an installed dev release (default: release lookout in namespace lookout) with the
# commands README.md in this directory says the chart should have, so the dev workloads run
# on the local images until the chart has them:
#   bash cluster/chart-patches/apply.sh [NAMESPACE] [RELEASE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ns=${1:-lookout}
release=${2:-lookout}
kubectl=("$here/../../.cluster/bin/kubectl" --kubeconfig "$here/../../.cluster/kubeconfig" -n "$ns")

# add-or-replace the first container's command of a workload (JSON patch "add" replaces).
set_command() {  # KIND/NAME JSON-LIST
  "${kubectl[@]}" patch "$1" --type=json \
    -p "[{\"op\": \"add\", \"path\": \"/spec/template/spec/containers/0/command\", \"value\": $2}]"
}
start_script=$(python3 -c 'import json, sys; print(json.dumps(["sh", "-c", open(sys.argv[1]).read()]))' \
  "$here/postgresql-start.sh")
set_command "statefulset/$release-postgresql" "$start_script"
set_command "statefulset/$release-minio" '["minio"]'
set_command "deployment/$release-maildev" '["maildev"]'
# A StatefulSet does not replace a pod that never got Ready: delete them.
"${kubectl[@]}" delete pod "$release-postgresql-0" "$release-minio-0" --wait=false
