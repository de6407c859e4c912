#!/usr/bin/env bash
# `make cluster`: a single-node Kubernetes in the network namespace $NETNS, its API server
# forwarded to 127.0.0.1:$HOST_API_PORT, admin kubeconfig at .cluster/kubeconfig.
# Idempotent: what runs is left running; a second run returns in seconds.
set -euo pipefail
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/daemons.sh"
here=$repo/cluster
t0=$SECONDS

owner=$(cat "$OWNER_FILE" 2>/dev/null || true)
if [[ -n $owner && $owner != "$state" && -e /run/netns/$NETNS ]]; then
  log "the cluster of $owner is up (netns $NETNS): run make cluster-down there first"
  exit 1
fi
echo "$state" >"$OWNER_FILE"

bash "$here/deps.sh"
kube=$(bash "$here/build.sh" kube)
# The NetworkPolicy engine: kube-router's firewall controller (cluster/kube-router).
netpol=$(bash "$here/build.sh" kube-router)
# Everything is this one binary under its program's name.
mkdir -p "$state/bin"
for p in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  ln -sfn "$kube" "$state/bin/$p"
done
bin=$state/bin
# A rebuilt binary restarts the daemons that run it.
export START_BINARY=$kube

# Images first: containerd needs the pause image's name in its config.
bash "$repo/images/build-all.sh" >"$state/images.txt"
pause_image=$(awk '$1 ~ /\/pause:/ {print $1}' "$state/images.txt")

bash "$here/pki.sh"
bash "$here/configs.sh" "$pause_image"
bash "$here/netns.sh" up
pki=$state/pki
etc=$state/etc

START_FILES=$etc/containerd.toml start containerd "${node_exec[@]}" containerd --config "$etc/containerd.toml"
ctr=(ctr --address "$state/containerd/containerd.sock" --namespace k8s.io)
wait_for 60 containerd "${ctr[@]}" version
# Import only what containerd does not have yet: an import of a known image costs seconds.
have=$("${ctr[@]}" images ls -q)
while read -r ref tar; do
  grep -qxF "$ref" <<<"$have" || { log "importing $ref"; "${ctr[@]}" images import "$tar" >/dev/null; }
done <"$state/images.txt"
# Drop our images of earlier builds (containerd keeps what running containers use): each
# rebuild would otherwise add hundreds of MB. A release still naming an old tag needs a
# helm upgrade with the new .cluster/images-values.yaml.
for ref in $(grep "^$REGISTRY/" <<<"$have" || true); do
  grep -q "^$ref " "$state/images.txt" || { log "removing old image $ref"; "${ctr[@]}" images rm "$ref" >/dev/null; }
done
# The CRI also names each image by its config digest (sha256:...): drop those whose
# manifest no named image has any more, so containerd can collect the content.
listing=$("${ctr[@]}" images ls)
in_use=$(awk -v r="^$REGISTRY/" '$1 ~ r {print $3}' <<<"$listing")
for ref in $(awk '$1 ~ /^sha256:/ {print $1 " " $3}' <<<"$listing" | grep -vF -f <(echo "$in_use"; echo none) | cut -d' ' -f1); do
  "${ctr[@]}" images rm "$ref" >/dev/null
done

start etcd "${node_exec[@]}" "$bin/etcd" --name "$NODE_NAME" --data-dir "$state/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "$NODE_NAME=http://127.0.0.1:2380" --listen-metrics-urls http://127.0.0.1:2381 \
  --quota-backend-bytes 2147483648 --log-level warn

start kube-apiserver "${node_exec[@]}" "$bin/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --bind-address 0.0.0.0 --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC \
  --enable-admission-plugins NodeRestriction,PodSecurity \
  --allow-privileged=true --profiling=false --v=1

# The API server on the host's loopback only: each connection is relayed by a socat that
# enters the namespace and connects to the API server's loopback there.
start api-forward socat "TCP-LISTEN:$HOST_API_PORT,bind=127.0.0.1,fork,reuseaddr" \
  "EXEC:nsenter --net=/run/netns/$NETNS -- socat STDIO TCP\\:127.0.0.1\\:$API_PORT"

kubectl=("$bin/kubectl" --kubeconfig "$state/kubeconfig")
wait_for 120 "the API server" "${kubectl[@]}" get --raw /readyz

# After /readyz: the API server has bootstrapped RBAC, which these need from their start.
start kube-controller-manager "${node_exec[@]}" "$bin/kube-controller-manager" \
  --kubeconfig "$etc/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$etc/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$etc/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --use-service-account-credentials --service-cluster-ip-range "$SERVICE_CIDR" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --controllers '*,-nodeipam' --profiling=false --v=1

start kube-scheduler "${node_exec[@]}" "$bin/kube-scheduler" \
  --kubeconfig "$etc/scheduler.kubeconfig" \
  --authentication-kubeconfig "$etc/scheduler.kubeconfig" \
  --authorization-kubeconfig "$etc/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false --v=1


START_FILES=$etc/kubelet.yaml start kubelet "${node_exec[@]}" "$bin/kubelet" --config "$etc/kubelet.yaml" \
  --kubeconfig "$etc/kubelet.kubeconfig" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
  --root-dir "$state/kubelet" --v=1

START_FILES=$etc/kube-proxy.yaml start kube-proxy "${node_exec[@]}" "$bin/kube-proxy" --config "$etc/kube-proxy.yaml" --v=1

bash "$here/addons.sh"

# NetworkPolicies enforced by kube-router's firewall controller alone (the bridge plugin does
# pod networking and kube-proxy the Services): iptables and ipsets in the node's namespace,
# IPv4 only, like kube-proxy a host process. It reads its Node object (the kubelet registers
# it) and needs its RBAC (addons) from its start.
wait_for 120 "the node object" "${kubectl[@]}" get node "$NODE_NAME"
START_BINARY=$netpol start kube-router "${node_exec[@]}" "$netpol" \
  --run-firewall=true --run-router=false --run-service-proxy=false \
  --enable-ipv4=true --enable-ipv6=false \
  --kubeconfig "$etc/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
  --service-cluster-ip-range "$SERVICE_CIDR" --health-port 20244 --v=0
bash "$here/images-values.sh" >"$state/images-values.yaml"

wait_for 180 "node Ready" "${kubectl[@]}" wait --for=condition=Ready node/"$NODE_NAME" --timeout=5s
wait_for 180 "CoreDNS" "${kubectl[@]}" -n kube-system rollout status deployment/coredns --timeout=5s
wait_for 180 "the provisioner" "${kubectl[@]}" -n kube-system rollout status deployment/local-dir-provisioner --timeout=5s
log "up in $((SECONDS - t0))s: export KUBECONFIG=$state/kubeconfig"
