#!/usr/bin/env bash
# Writes every component's configuration under .cluster/ from env.sh (cheap: always rewritten,
# so a changed setting applies on the next start). Arguments: the pause image reference.
set -euo pipefail
source "$(dirname "$0")/env.sh"
pause_image=${1:?pause image}
pki=$state/pki
mkdir -p "$state"/{etc,cni/net.d,cni/ipam,containerd,kubelet,volumes,logs,run}

# put FILE < content: replace FILE only when the content differs (kube-proxy exits when its
# configuration file is written to, and unchanged files keep daemons running).
put() {
  local tmp
  tmp=$(mktemp "$1.XXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm "$tmp"; else chmod 600 "$tmp"; mv "$tmp" "$1"; fi
}

# containerd: its own root, state and socket, so it never meets a system containerd.
put "$state/etc/containerd.toml" <<TOML
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$state/containerd/containerd.sock"
[ttrpc]
  address = "$state/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  enable_selinux = false
  # This machine's root lacks CAP_SYS_RESOURCE, so no process may lower its oom_score_adj
  # (the CRI's -998 for sandboxes made runc fail): keep containers at containerd's own.
  restrict_oom_score_adj = true
  # Pods' network namespaces under our state dir, not the host's /run/netns: cluster-down
  # finds and unmounts them with the rest.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "/usr/bin/runc"
        Root = "$state/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
TOML

# One bridge for all pods; its gateway is the node side. No ipMasq: nothing is NATed out.
put "$state/cni/net.d/10-chartgen.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "chartgen",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$state/cni/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON

# kubeconfig NAME SERVER CERT: client-certificate kubeconfigs, certificates embedded so the
# file stands alone (helm and kubectl on the host use admin's).
kubeconfig() {
  local file=$1 server=$2 user=$3
  put "$file" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: chartgen
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$pki/$user.crt")
    client-key-data: $(base64 -w0 "$pki/$user.key")
contexts:
- name: chartgen
  context: {cluster: chartgen, user: $user}
current-context: chartgen
YAML
}
inner=https://$NODE_IP:$API_PORT
kubeconfig "$state/etc/controller-manager.kubeconfig" "$inner" controller-manager
kubeconfig "$state/etc/scheduler.kubeconfig" "$inner" scheduler
kubeconfig "$state/etc/kubelet.kubeconfig" "$inner" kubelet-client
kubeconfig "$state/etc/kube-proxy.kubeconfig" "$inner" kube-proxy
kubeconfig "$state/etc/kube-router.kubeconfig" "$inner" kube-router
kubeconfig "$state/etc/admin-inner.kubeconfig" "$inner" admin
# The host's kubeconfig: the API server as forwarded to the host's loopback.
kubeconfig "$state/kubeconfig" "https://127.0.0.1:$HOST_API_PORT" admin

# Pods' dnsPolicy=Default gets this: no upstream resolver exists for the cluster.
echo "nameserver 127.0.0.1" | put "$state/etc/resolv.conf"

put "$state/etc/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
containerRuntimeEndpoint: unix://$state/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /
failSwapOn: false
clusterDNS: [$DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $state/etc/resolv.conf
# No swap and a shared machine: keep evictions for real disk trouble only.
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
# The kernel's sysctls are the machine owner's, not this node's.
protectKernelDefaults: false
makeIPTablesUtilChains: false
serializeImagePulls: false
maxPods: 60
YAML

put "$state/etc/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $state/etc/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$NODE_IP/32]
# It could not lower its score anyway (no CAP_SYS_RESOURCE here).
oomScoreAdj: 0
# Leave the kernel's conntrack sysctls alone (they are not all per network namespace).
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
