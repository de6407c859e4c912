#!/usr/bin/env bash
# `make cluster-down`: stops the cluster's daemons and containers, unmounts everything
# mounted under .cluster/, removes the pods' cgroups and the network namespace. Keeps the
# data (etcd, certificates, images, volumes): the next `make cluster` resumes it.
# `cluster/down.sh --purge` deletes .cluster/ as well.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/daemons.sh"
sock=$state/containerd/containerd.sock

# The kubelet first, so nothing restarts what is stopped next.
stop kubelet
if running containerd; then
  ctr=(ctr --address "$sock" --namespace k8s.io)
  for task in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
  done
  sleep 1
fi
for name in kube-router kube-proxy kube-scheduler kube-controller-manager api-forward kube-apiserver etcd containerd; do
  stop "$name"
done
# A shim outlives containerd; ours name our socket on their command line.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $sock" || true); do
  kill -KILL "$pid" 2>/dev/null || true
done
# And runc's containers their shims (their processes are already killed above; any left
# over live in the pods' cgroups, removed below only once empty).

# Mounts under .cluster/ (rootfs overlays, sandbox shm, the kubelet's volume tmpfs), the
# deepest first.
if [[ -d $state ]]; then
  awk -v s="$state/" 'index($2, s) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
fi

# The kubelet's cgroups (cgroupfs driver, cgroup v1): kubepods in every hierarchy.
for hierarchy in /sys/fs/cgroup/*/; do
  [[ -d $hierarchy/kubepods ]] || continue
  find "$hierarchy/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true
done

bash "$(dirname "$0")/netns.sh" down
[[ $(cat "$OWNER_FILE" 2>/dev/null) == "$state" ]] && rm -f "$OWNER_FILE"
# Pod IPs are allocated afresh on the next start.
rm -rf "$state/cni/ipam"
if [[ ${1:-} == --purge ]]; then
  rm -rf "$state"
fi
log "down"
