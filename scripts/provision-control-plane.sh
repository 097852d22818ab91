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

readonly K8S_SOURCE_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
readonly K8S_VERSION="v1.20.2"
readonly CACHE_ROOT="${GEFYRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gefyra-operator}"
readonly BIN_DIR="$CACHE_ROOT/kube-$K8S_VERSION/bin"
readonly KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)

step() { printf '[provision] %s\n' "$*" >&2; }
fail() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

have_all_binaries() {
  local dir="$1" binary
  for binary in etcd "${KUBE_BINARIES[@]}"; do
    [[ -x "$dir/$binary" ]] || return 1
  done
}

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
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
exec 9>"$CACHE_ROOT/provision.lock"
if ! flock -n 9; then
  step "another provisioning run holds $CACHE_ROOT/provision.lock; waiting for it"
  flock 9
fi
# The run we waited for may have finished the job.
if have_all_binaries "$BIN_DIR" && command -v openssl >/dev/null; then
  step "control plane $K8S_VERSION cached in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

# --- Debian packages ---------------------------------------------------------
missing_packages=()
for package in etcd-server golang-go golang-github-modern-go-reflect2-dev rsync jq dpkg-dev openssl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
    || missing_packages+=("$package")
done
if ((${#missing_packages[@]})); then
  step "installing Debian packages: ${missing_packages[*]}"
  as_root apt-get update -qq || fail "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >&2 \
    || fail "apt-get install ${missing_packages[*]} failed"
fi
ln -sf "$(command -v etcd || echo /usr/bin/etcd)" "$BIN_DIR/etcd"
[[ -x "$BIN_DIR/etcd" ]] || fail "etcd is not executable after installing etcd-server"
require_openssl
if have_all_binaries "$BIN_DIR"; then
  step "control plane $K8S_VERSION ready in $BIN_DIR"
  echo "$BIN_DIR"
  exit 0
fi

# --- Debian's kubernetes source package --------------------------------------
readonly SRC_PARENT="$CACHE_ROOT/kube-$K8S_VERSION/src"
mkdir -p "$SRC_PARENT"
src_dir="$(find "$SRC_PARENT" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)"
if [[ -z "$src_dir" ]]; then
  sources_file=/etc/apt/sources.list.d/gefyra-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    step "adding a deb-src entry ($sources_file)"
    debian_uri="$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -n1 | awk '{print $2}')"
    debian_uri="${debian_uri:-http://deb.debian.org/debian}"
    printf 'Types: deb-src\nURIs: %s\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$debian_uri" | as_root tee "$sources_file" >/dev/null
    as_root apt-get update -qq || fail "apt-get update failed after adding deb-src"
  fi
  step "downloading the kubernetes source package $K8S_SOURCE_VERSION"
  # Unpack into a scratch directory and move the tree into place only when
  # complete, so that an interrupted download is not mistaken for a source tree.
  download_dir="$(mktemp -d "$SRC_PARENT/.download.XXXXXX")"
  (cd "$download_dir" && apt-get source -qq "kubernetes=$K8S_SOURCE_VERSION" >&2) \
    || { rm -rf "$download_dir"; fail "apt-get source kubernetes=$K8S_SOURCE_VERSION failed"; }
  unpacked="$(find "$download_dir" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)"
  [[ -n "$unpacked" ]] || { rm -rf "$download_dir"; fail "the source package unpacked nowhere under $download_dir"; }
  src_dir="$SRC_PARENT/$(basename "$unpacked")"
  mv "$unpacked" "$src_dir"
  rm -rf "$download_dir"
fi

# --- the reflect2 fix for Go 1.19 --------------------------------------------
readonly REFLECT2_FIXED=/usr/share/gocode/src/github.com/modern-go/reflect2
vendored_reflect2="$src_dir/vendor/github.com/modern-go/reflect2"
if ! cmp -s "$REFLECT2_FIXED/reflect2.go" "$vendored_reflect2/reflect2.go"; then
  step "replacing vendored modern-go/reflect2 with Debian's 1.0.2 (Go 1.19 crash fix)"
  rm -rf "$vendored_reflect2"
  mkdir -p "$vendored_reflect2"
  (cd "$REFLECT2_FIXED" && tar --exclude=go.mod -cf - .) | (cd "$vendored_reflect2" && tar -xf -)
fi

# --- build -------------------------------------------------------------------
step "building ${KUBE_BINARIES[*]} (about 7 minutes on 2 cores; output follows)"
mkdir -p "$src_dir/.go/src/k8s.io" "$src_dir/.home"
ln -sfn ../../.. "$src_dir/.go/src/k8s.io/kubernetes"
(
  cd "$src_dir/.go/src/k8s.io/kubernetes"
  export GOPATH="$src_dir/.go" HOME="$src_dir/.home" CGO_ENABLED=0
  export GOCACHE="$CACHE_ROOT/go-build-cache"
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" 2>&1 \
    | while IFS= read -r line; do printf '[build] %s\n' "$line" >&2; done
  exit "${PIPESTATUS[0]}"
) || fail "make failed in $src_dir (see the [build] lines above)"

for binary in "${KUBE_BINARIES[@]}"; do
  built="$src_dir/_output/bin/$binary"
  [[ -x "$built" ]] || built="$(find "$src_dir/_output" -type f -name "$binary" -perm -u+x | head -n1)"
  [[ -n "$built" && -x "$built" ]] || fail "the build produced no $binary"
  cp "$built" "$BIN_DIR/$binary.tmp" && mv "$BIN_DIR/$binary.tmp" "$BIN_DIR/$binary"
done
have_all_binaries "$BIN_DIR" || fail "binaries missing in $BIN_DIR after the build"
built_version="$("$BIN_DIR/kube-apiserver" --version 2>&1 || true)"
[[ "$built_version" == *"$K8S_VERSION"* ]] || fail "kube-apiserver reports \"$built_version\", expected $K8S_VERSION"
if [[ "${GEFYRA_KEEP_KUBE_SOURCE:-0}" != 1 ]]; then
  step "removing the source tree $SRC_PARENT (set GEFYRA_KEEP_KUBE_SOURCE=1 to keep it)"
  rm -rf "$SRC_PARENT"
fi
step "control plane $K8S_VERSION ready in $BIN_DIR"
echo "$BIN_DIR"
