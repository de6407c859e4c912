#!/usr/bin/env bash
# The cluster's CA and every certificate and key, made once under .cluster/pki (kept across
# restarts, so kubeconfigs stay valid). EC P-256 keys: fast to make, and every component
# accepts them.
set -euo pipefail
source "$(dirname "$0")/env.sh"
pki=$state/pki
mkdir -p "$pki"
cd "$pki"

key() { [[ -f $1.key ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

if [[ ! -f ca.crt ]]; then
  key ca
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=chartgen-cluster-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt
fi

# cert NAME SUBJECT USAGE [SANS]: USAGE is serverAuth, clientAuth or both.
cert() {
  local name=$1 subject=$2 usage=$3 sans=${4:-}
  [[ -f $name.crt ]] && return
  key "$name"
  local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$usage"
  [[ -n $sans ]] && ext+=$'\n'"subjectAltName=$sans"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
    -extfile <(echo "$ext") -out "$name.crt" 2>/dev/null
  rm "$name.csr"
}

cert apiserver "/CN=kube-apiserver" serverAuth \
  "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$KUBERNETES_SVC_IP"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
cert admin "/O=system:masters/CN=chartgen-admin" clientAuth
cert controller-manager "/CN=system:kube-controller-manager" clientAuth
cert scheduler "/CN=system:kube-scheduler" clientAuth
cert kube-proxy "/CN=system:kube-proxy" clientAuth
# The NetworkPolicy engine (kube-router's firewall): cluster/addons/kube-router.yaml grants it
# read access to what its policies select.
cert kube-router "/CN=chartgen:kube-router" clientAuth
# The Node authorizer and NodeRestriction admit the kubelet by this name and group.
cert kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
cert kubelet-serving "/O=system:nodes/CN=system:node:$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP"

# Service-account tokens: the controller manager signs, the API server verifies.
if [[ ! -f sa.key ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
  openssl pkey -in sa.key -pubout -out sa.pub
fi
chmod 600 ./*.key
