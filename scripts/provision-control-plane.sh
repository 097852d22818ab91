#!/usr/bin/env bash
# Provisions the binaries of the local Kubernetes control plane used by the
# integration, end-to-end and benchmark runs (see docs/control-plane.md):
#   etcd                      from Debian's etcd-server package
#   kube-apiserver            built once from Debian's `kubernetes` source package
#   kube-controller-manager   and cached outside the repository, keyed by version
#   kube-scheduler
#
# Safe to run again: every step checks whether its result is already there.
# Set GEFYRA_CONTROL_PLANE_BIN to a directory that already holds the four
# binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) to
# skip all of this.
#
# Prints the directory holding the binaries as its last line of stdout; all
# progress goes to stderr. Concurrent runs (two test runs starting at once)
# wait for each other instead of building twice. After a successful build the
# unpacked source tree (about 2.3 GB) is removed unless GEFYRA_KEEP_KUBE_SOURCE=1.
set -euo pipefail

# shellcheck source=lib/kube-source.sh
source "$(dirname "$0")/lib/kube-source.sh"

readonly KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)

have_all_binaries() {
  local dir="$1" binary
  for binary in etcd "${KUBE_BINARIES[@]}"; do
    [[ -x "$dir/$binary" ]] || return 1
  done
}

# The test harness makes certificates with openssl, whichever binaries it runs.
require_openssl() {
  command -v openssl >/dev/null || fail "openssl is missing (apt-get install openssl): the harness makes its certificates with it"
}

if [[ -n "${GEFYRA_CONTROL_PLANE_BIN:-}" ]]; then
  require_openssl
  have_all_binaries "$GEFYRA_CONTROL_PLANE_BIN" \
    || fail "GEFYRA_CONTROL_PLANE_BIN=$GEFYRA_CONTROL_PLANE_BIN lacks one of: etcd ${KUBE_BINARIES[*]}"
  step "using the binaries in GEFYRA_CONTROL_PLANE_BIN"
  echo "$GEFYRA_CONTROL_PLANE_BIN"
  exit 0
fi

if have_all_binaries "$BIN_DIR" && command -v openssl >/dev/null; then
  step "control plane $K8S_VERSION cached in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

mkdir -p "$BIN_DIR"
take_provision_lock
# The run we waited for may have finished the job.
if have_all_binaries "$BIN_DIR" && command -v openssl >/dev/null; then
  step "control plane $K8S_VERSION cached in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

# --- Debian packages ---------------------------------------------------------
install_debian_packages etcd-server golang-go golang-github-modern-go-reflect2-dev rsync jq dpkg-dev openssl
ln -sf "$(command -v etcd || echo /usr/bin/etcd)" "$BIN_DIR/etcd"
[[ -x "$BIN_DIR/etcd" ]] || fail "etcd is not executable after installing etcd-server"
require_openssl
if have_all_binaries "$BIN_DIR"; then
  step "control plane $K8S_VERSION ready in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

# --- Debian's kubernetes source package, built ------------------------------
fetch_kube_source
build_kube_commands cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler
for binary in "${KUBE_BINARIES[@]}"; do install_built_binary "$binary"; done
have_all_binaries "$BIN_DIR" || fail "binaries missing in $BIN_DIR after the build"
built_version="$("$BIN_DIR/kube-apiserver" --version 2>&1 || true)"
[[ "$built_version" == *"$K8S_VERSION"* ]] || fail "kube-apiserver reports \"$built_version\", expected $K8S_VERSION"
remove_kube_source
step "control plane $K8S_VERSION ready in $BIN_DIR"
echo "$BIN_DIR"
