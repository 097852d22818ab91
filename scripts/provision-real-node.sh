#!/usr/bin/env bash
# Provisions what the real-node test tier runs (see docs/real-node.md), next
# to the control plane's binaries and cached the same way:
#   kubelet, kube-proxy   built once from Debian's `kubernetes` source package,
#                         the one the control plane is built from
#   pause                 the sandbox's process, build/pause/linux/pause.c, static
#   containerd, runc, CNI plugins, dnsmasq, iptables   Debian packages
#   nginx (stream), wireguard-go, wireguard-tools,    copied into the stand-in images (Stowaway,
#   busybox                                           Carrier, the demo app); the developer's machine
#
# Safe to run again: every step checks whether its result is already there, and
# concurrent runs wait on the lock the control plane's provisioning takes.
# Prints the directory holding kubelet, kube-proxy and pause as its last line
# of stdout; all progress goes to stderr. The source tree (2.3 GB, plus Go's
# 1.3 GB build cache inside it) is removed after the build unless
# GEFYRA_KEEP_KUBE_SOURCE=1, which makes a rebuild take ~40 s instead of ~9 min.
set -euo pipefail
# shellcheck source=lib/kube-source.sh
source "$(dirname "$0")/lib/kube-source.sh"

readonly NODE_BINARIES=(kubelet kube-proxy pause)
# The last five make the stand-in images (test/support/real-node/stand-in-images.ts).
readonly NODE_PACKAGES=(containerd runc containernetworking-plugins dnsmasq-base iptables conntrack
  nginx libnginx-mod-stream wireguard-go wireguard-tools busybox)
# The build dependencies (the control plane's, plus a static C library for pause).
readonly BUILD_PACKAGES=(golang-go golang-github-modern-go-reflect2-dev rsync jq dpkg-dev gcc libc6-dev)

have_node_binaries() {
  local binary
  for binary in "${NODE_BINARIES[@]}"; do
    [[ -x "$BIN_DIR/$binary" ]] || return 1
  done
}

have_node_packages() {
  local package
  for package in "${NODE_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || return 1
  done
}

if have_node_binaries && have_node_packages; then
  step "real node $K8S_VERSION cached in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

take_provision_lock
mkdir -p "$BIN_DIR"
install_debian_packages "${NODE_PACKAGES[@]}"
if have_node_binaries; then
  step "real node $K8S_VERSION ready in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

install_debian_packages "${BUILD_PACKAGES[@]}"
fetch_kube_source
started=$SECONDS
build_kube_commands cmd/kubelet cmd/kube-proxy
install_built_binary kubelet
install_built_binary kube-proxy
step "built kubelet and kube-proxy in $((SECONDS - started)) s"

# The pause image's only file. Its version string is the one its Makefile sets.
pause_version="$(sed -n -E 's/^TAG *\??= *//p' "$KUBE_SRC_DIR/build/pause/Makefile" | head -n1)"
nice -n 19 gcc -Os -Wall -Werror -static -DVERSION="${pause_version:-unknown}" \
  -o "$BIN_DIR/pause.tmp" "$KUBE_SRC_DIR/build/pause/linux/pause.c" \
  || fail "gcc could not build build/pause/linux/pause.c"
strip "$BIN_DIR/pause.tmp" && mv "$BIN_DIR/pause.tmp" "$BIN_DIR/pause"

have_node_binaries || fail "binaries missing in $BIN_DIR after the build"
built_version="$("$BIN_DIR/kubelet" --version 2>&1 || true)"
[[ "$built_version" == *"$K8S_VERSION"* ]] || fail "kubelet reports \"$built_version\", expected $K8S_VERSION"
remove_kube_source
step "real node $K8S_VERSION ready in $BIN_DIR"
echo "$BIN_DIR"
