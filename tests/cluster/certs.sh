# shellcheck shell=bash
# Certificates of the test control plane, made with openssl. Sourced by cluster.sh ($STATE_DIR set).
# Kept across `up` (a revived API server must accept the kubeconfig already handed out); `down` removes them.

pki_dir() { echo "$STATE_DIR/pki"; }

# ECDSA P-256 keys for TLS: quick to make, supported by every client we use.
new_ec_key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; chmod 600 "$1"; }

make_ca() {
  local pki="$1"
  new_ec_key "$pki/ca.key"
  openssl req -x509 -new -key "$pki/ca.key" -sha256 -days 3650 -subj "/CN=plugin-sandbox-test-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ca.crt" 2>/dev/null
}

# sign_cert NAME SUBJECT EXTENSIONS: NAME.key + NAME.crt signed by the CA.
sign_cert() {
  local pki="$1" name="$2" subject="$3" extensions="$4"
  new_ec_key "$pki/$name.key"
  openssl req -new -key "$pki/$name.key" -subj "$subject" -out "$pki/$name.csr" 2>/dev/null
  printf '%b\n' "$extensions" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -sha256 -days 3650 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

# The API server's serving pair (apiserver.key + apiserver.crt), a new key each time.
# 10.0.0.1 is the `kubernetes` Service's address in --service-cluster-ip-range=10.0.0.0/24.
sign_apiserver_cert() {
  sign_cert "$1" apiserver "/CN=kube-apiserver" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
}

cert_serial() { openssl x509 -noout -serial -in "$1" | cut -d= -f2; }

# Re-issues the serving pair by the same CA (a new key and serial; clients that trust the CA need
# nothing new). Written beside and renamed, so a reader never sees a key without its certificate.
reissue_apiserver_cert_files() {
  local pki staging
  pki=$(pki_dir)
  [ -f "$pki/complete" ] || { echo "cluster: no certificates yet (run \`up\` first)" >&2; return 1; }
  staging="$pki/reissue" && rm -rf "$staging" && mkdir -m 700 "$staging"
  cp "$pki/ca.crt" "$pki/ca.key" "$staging/"
  if [ -f "$pki/ca.srl" ]; then cp "$pki/ca.srl" "$staging/"; fi
  sign_apiserver_cert "$staging"
  openssl verify -CAfile "$pki/ca.crt" "$staging/apiserver.crt" >/dev/null
  if [ -f "$staging/ca.srl" ]; then mv "$staging/ca.srl" "$pki/ca.srl"; fi
  mv "$staging/apiserver.key" "$pki/apiserver.key"
  mv "$staging/apiserver.crt" "$pki/apiserver.crt"
  rm -rf "$staging"
}

ensure_certificates() {
  local pki
  pki=$(pki_dir)
  [ -f "$pki/complete" ] && return 0
  rm -rf "$pki" && mkdir -p "$pki" && chmod 700 "$pki"
  make_ca "$pki"
  sign_apiserver_cert "$pki"
  sign_cert "$pki" admin "/O=system:masters/CN=plugin-sandbox-admin" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
  # The identity the default RBAC policy binds to the system:kube-controller-manager role.
  sign_cert "$pki" controller-manager "/CN=system:kube-controller-manager" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
  # Service-account tokens are signed with RSA, the key type every Kubernetes version accepts.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null
  openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  chmod 600 "$pki/sa.key"
  touch "$pki/complete"
}

# The identities the test node and kube-scheduler use; made when missing, so a control plane started
# before the node existed gains them without new admin credentials.
ensure_node_certificates() {
  local pki client="basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
  pki=$(pki_dir)
  [ -f "$pki/node-complete" ] && return 0
  # The Node authorizer and NodeRestriction know a kubelet by exactly this name and group.
  sign_cert "$pki" kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
  sign_cert "$pki" kubelet-serving "/CN=$NODE_NAME" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
  # The API server's identity towards kubelet (logs, exec): allowed everything on the kubelet API.
  sign_cert "$pki" apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  # Bound by the default RBAC policy to system:node-proxier and system:kube-scheduler.
  sign_cert "$pki" kube-proxy "/CN=system:kube-proxy" "$client"
  sign_cert "$pki" kube-scheduler "/CN=system:kube-scheduler" "$client"
  touch "$pki/node-complete"
}

# The NetworkPolicy firewall's identity (bound by node_policy_rbac.yaml), added after the others.
ensure_policy_certificate() {
  local pki
  pki=$(pki_dir)
  [ -f "$pki/kube-router.crt" ] && return 0
  sign_cert "$pki" kube-router "/CN=plugin-sandbox:kube-router" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
}

# A client certificate "user-NAME" with CN=NAME and no group: an identity RBAC must grant rights to
# (not system:masters, so the API server's request limits and priority-and-fairness apply to it).
ensure_user_certificate() {
  local pki name="$1"
  pki=$(pki_dir)
  [ -f "$pki/user-$name.crt" ] && return 0
  sign_cert "$pki" "user-$name" "/CN=$name" \
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
}

# write_kubeconfig FILE CLIENT: a kubeconfig for https://127.0.0.1:$APISERVER_PORT with embedded data.
# Inside the node's network namespace the same address is the forwarder to the host's API server.
write_kubeconfig() {
  local file="$1" client="$2" pki
  pki=$(pki_dir)
  cat >"$file.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: plugin-sandbox-test
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: ${client}
  user:
    client-certificate-data: $(base64 -w0 "$pki/$client.crt")
    client-key-data: $(base64 -w0 "$pki/$client.key")
contexts:
- name: plugin-sandbox-test
  context:
    cluster: plugin-sandbox-test
    user: ${client}
    namespace: default
current-context: plugin-sandbox-test
KUBECONFIG
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}
