#!/usr/bin/env bash
# Builds the local test control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok) from the Go module proxy into a cache outside the checkout, keyed by version,
# so a fresh clone on the same machine (CI's case) reuses the binaries and only a new machine pays.
# Prints the binary folder on stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_VERSION="v1.37.2"   # keep in step with test/cluster/build/go.mod
ETCD_VERSION="v3.7.0"   # the etcd server k8s.io/kubernetes $K8S_VERSION requires; test/cluster/etcd/go.mod
KWOK_VERSION="v0.8.0"
cache="${KREBOOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kreboot}"
RECIPE="2"              # bump when the way the binaries are built changes, so caches are rebuilt
bin="$cache/control-plane/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-r$RECIPE"
want=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)

complete() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }
if complete; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "build-control-plane: Go (>= 1.26) is needed to build the control plane" >&2; exit 1; }
mkdir -p "$bin"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
start=$SECONDS
log() { echo "[build-control-plane $((SECONDS - start))s] $*" >&2; }

# Each tool builds in its own module so its pinned dependency versions never fight the others'.
# Binaries are built into a temp name and renamed, so an interrupted build never looks complete.
if [ ! -x "$bin/kube-apiserver" ] || [ ! -x "$bin/kube-controller-manager" ] \
  || [ ! -x "$bin/kube-scheduler" ] || [ ! -x "$bin/kubectl" ]; then
  log "building Kubernetes $K8S_VERSION (minutes on 2 cores the first time)"
  tmp="$(mktemp -d "$bin/.k8s.XXXXXX")"
  # shellcheck source=kube-version-stamp.sh
  source "$here/scripts/kube-version-stamp.sh"
  stamp="$(kube_version_stamp "$K8S_VERSION")"
  (cd "$here/test/cluster/build" && go build -trimpath -ldflags="-s -w$stamp" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl) >&2
  mv "$tmp"/* "$bin/" && rmdir "$tmp"
fi
# etcd's own go.mod carries local replaces, so `go install …@version` refuses it: build the main
# package (the module root) from a small module of ours that requires it.
if [ ! -x "$bin/etcd" ]; then
  log "building etcd $ETCD_VERSION"
  (cd "$here/test/cluster/etcd" && go build -trimpath -ldflags='-s -w' -o "$bin/.etcd.tmp" go.etcd.io/etcd/server/v3) >&2
  mv "$bin/.etcd.tmp" "$bin/etcd"
fi
if [ ! -x "$bin/kwok" ]; then
  log "building kwok $KWOK_VERSION"
  tmp="$(mktemp -d "$bin/.kwok.XXXXXX")"
  GOBIN="$tmp" GOFLAGS= go install -trimpath -ldflags='-s -w' "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
  mv "$tmp/kwok" "$bin/kwok" && rmdir "$tmp"
fi
complete || { log "some binaries are missing in $bin"; exit 1; }
log "done"
echo "$bin"
