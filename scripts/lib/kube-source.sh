# Shared by scripts/provision-control-plane.sh and scripts/provision-real-node.sh:
# where the cache lives, and how Debian's `kubernetes` source package is fetched,
# patched and built. Sourced, not run; the caller sets `set -euo pipefail`.

readonly K8S_SOURCE_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
readonly K8S_VERSION="v1.20.2"
readonly CACHE_ROOT="${GEFYRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gefyra-operator}"
readonly BIN_DIR="$CACHE_ROOT/kube-$K8S_VERSION/bin"
readonly SRC_PARENT="$CACHE_ROOT/kube-$K8S_VERSION/src"

step() { printf '[provision] %s\n' "$*" >&2; }
fail() { printf '[provision] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages among "$@" that are not installed yet.
install_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq || fail "apt-get update failed"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 \
    || fail "apt-get install ${missing[*]} failed"
}

# Takes the provisioning lock (fd 9) shared by every provisioning script: they
# share the source tree and its build cache.
take_provision_lock() {
  mkdir -p "$CACHE_ROOT"
  exec 9>"$CACHE_ROOT/provision.lock"
  if ! flock -n 9; then
    step "another provisioning run holds $CACHE_ROOT/provision.lock; waiting for it"
    flock 9
  fi
}

# Sets KUBE_SRC_DIR to an unpacked, patched source tree, downloading it if the
# cache holds none (a tree kept with GEFYRA_KEEP_KUBE_SOURCE=1 is reused).
fetch_kube_source() {
  mkdir -p "$SRC_PARENT"
  KUBE_SRC_DIR="$(find "$SRC_PARENT" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)"
  if [[ -z "$KUBE_SRC_DIR" ]]; then
    local sources_file=/etc/apt/sources.list.d/gefyra-deb-src.sources debian_uri download_dir unpacked
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
    KUBE_SRC_DIR="$SRC_PARENT/$(basename "$unpacked")"
    mv "$unpacked" "$KUBE_SRC_DIR"
    rm -rf "$download_dir"
  fi

  # The reflect2 fix for Go 1.19: the vendored 1.0.1 crashes on the first PATCH.
  local fixed=/usr/share/gocode/src/github.com/modern-go/reflect2
  local vendored="$KUBE_SRC_DIR/vendor/github.com/modern-go/reflect2"
  if ! cmp -s "$fixed/reflect2.go" "$vendored/reflect2.go"; then
    step "replacing vendored modern-go/reflect2 with Debian's 1.0.2 (Go 1.19 crash fix)"
    rm -rf "$vendored"
    mkdir -p "$vendored"
    (cd "$fixed" && tar --exclude=go.mod -cf - .) | (cd "$vendored" && tar -xf -)
  fi
}

# Builds the commands in "$@" (e.g. cmd/kubelet) the way Debian's debian/rules
# does, at the lowest priority: the machine is shared. Go's build cache lives in
# the source tree (hack/lib/golang.sh sets GOCACHE itself).
build_kube_commands() {
  step "building $* in $KUBE_SRC_DIR (output follows)"
  mkdir -p "$KUBE_SRC_DIR/.go/src/k8s.io" "$KUBE_SRC_DIR/.home"
  ln -sfn ../../.. "$KUBE_SRC_DIR/.go/src/k8s.io/kubernetes"
  (
    cd "$KUBE_SRC_DIR/.go/src/k8s.io/kubernetes"
    export GOPATH="$KUBE_SRC_DIR/.go" HOME="$KUBE_SRC_DIR/.home" CGO_ENABLED=0
    nice -n 19 make WHAT="$*" 2>&1 | while IFS= read -r line; do printf '[build] %s\n' "$line" >&2; done
    exit "${PIPESTATUS[0]}"
  ) || fail "make failed in $KUBE_SRC_DIR (see the [build] lines above)"
}

# Copies the built binary $1 into $BIN_DIR (atomically: a reader never sees half a file).
install_built_binary() {
  local binary="$1" built
  built="$KUBE_SRC_DIR/_output/bin/$binary"
  [[ -x "$built" ]] || built="$(find "$KUBE_SRC_DIR/_output" -type f -name "$binary" -perm -u+x | head -n1)"
  [[ -n "$built" && -x "$built" ]] || fail "the build produced no $binary"
  cp "$built" "$BIN_DIR/$binary.tmp" && mv "$BIN_DIR/$binary.tmp" "$BIN_DIR/$binary"
}

# Removes the source tree (and with it Go's build cache) unless GEFYRA_KEEP_KUBE_SOURCE=1.
remove_kube_source() {
  if [[ "${GEFYRA_KEEP_KUBE_SOURCE:-0}" != 1 ]]; then
    step "removing the source tree $SRC_PARENT (set GEFYRA_KEEP_KUBE_SOURCE=1 to keep it and Go's build cache)"
    rm -rf "$SRC_PARENT"
  fi
}
