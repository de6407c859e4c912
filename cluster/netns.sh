#!/usr/bin/env bash
# Creates the node's network namespace: lo plus an interface node0 carrying the node IP
# (an empty bridge: this kernel has no dummy interfaces; a bridge without ports behaves
# like one). No link to the host, no default route: pod and Service traffic cannot leave it.
#   cluster/netns.sh up|down
set -euo pipefail
source "$(dirname "$0")/env.sh"

case ${1:?up or down} in
  up)
    if [[ ! -e /run/netns/$NETNS ]]; then
      ip netns add "$NETNS"
    fi
    in_node ip link set lo up
    if ! in_node ip link show node0 >/dev/null 2>&1; then
      in_node ip link add node0 type bridge
      in_node ip addr add "$NODE_IP/32" dev node0
    fi
    in_node ip link set node0 up
    # Processes of the namespace itself (tests, kubelet probes) need a route to Service IPs
    # for kube-proxy's OUTPUT DNAT to see the packet; the port-less bridge drops whatever is
    # not rewritten to a pod or the node.
    in_node ip route replace "$SERVICE_CIDR" dev node0
    # Pods reach each other and Services through the bridge: forward, and let iptables see
    # bridged packets (so a Service reply between two pods on the bridge is un-NATed).
    in_node sysctl -qw net.ipv4.ip_forward=1
    in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
    ;;
  down)
    if [[ -e /run/netns/$NETNS ]]; then
      ip netns del "$NETNS"
    fi
    ;;
esac
