# Shared settings of the local cluster; sourced by the other cluster/ scripts.
# Every address below exists only inside the network namespace $NETNS.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$repo/.cluster            # git-ignored: certs, configs, data, logs, pids
cache=${CHARTGEN_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartgen-cluster}

NETNS=chartgen-node             # the node's network namespace
NODE_NAME=chartgen-node
NODE_IP=10.250.0.1              # on the dummy interface node0, inside $NETNS only
POD_CIDR=10.244.0.0/24          # the CNI bridge cni0 is 10.244.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
REGISTRY=chartgen.local         # our images' names; never resolved, nothing is pulled
API_PORT=6443                   # inside $NETNS
HOST_API_PORT=${CLUSTER_API_PORT:-16443}  # 127.0.0.1 on the host, forwarded into $NETNS

# Runs a command in the node's network namespace but the host's mount namespace (nsenter,
# not `ip netns exec`, which makes a private mount namespace per command): the kubelet's
# volume mounts must be visible to containerd and runc.
node_exec=(nsenter --net=/run/netns/$NETNS --)
in_node() { "${node_exec[@]}" "$@"; }

# Which checkout's cluster holds the namespace and the port: one cluster per machine.
OWNER_FILE=/run/chartgen-cluster.owner

log() { printf '%s cluster: %s\n' "$(date +%T)" "$*" >&2; }
