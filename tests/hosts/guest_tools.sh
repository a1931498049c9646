# What guest_suite.sh needs and where it is cached. Sourced.
VIRTME_NG_VERSION=1.42
GUEST_PACKAGES="qemu-system-x86 linux-image-amd64 busybox-static python3-venv"

guest_venv() {
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/plugin-sandbox/virtme-ng-$VIRTME_NG_VERSION/venv"
}

# The newest Debian kernel with its modules (virtme-ng loads 9p and overlay from them).
guest_kernel() {
  local image version
  for image in $(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V -r); do
    version=${image#/boot/vmlinuz-}
    if [ -d "/lib/modules/$version" ]; then echo "$image"; return 0; fi
  done
  return 1
}

guest_tools_missing() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=("qemu-system-x86_64")
  guest_kernel >/dev/null || missing+=("a /boot/vmlinuz-*-amd64 kernel with its modules")
  command -v busybox >/dev/null || missing+=("busybox")
  [ -x "$(guest_venv)/bin/vng" ] || missing+=("virtme-ng $VIRTME_NG_VERSION in $(guest_venv)")
  local IFS=,
  echo "${missing[*]}"
}

# Creates the venv (pip from PyPI, cached in ~/.cache/pip) when it is not there yet.
guest_install_venv() {
  local venv
  venv=$(guest_venv)
  [ -x "$venv/bin/vng" ] && return 0
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "virtme-ng==$VIRTME_NG_VERSION"
}
