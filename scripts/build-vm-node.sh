#!/usr/bin/env bash
# Builds the real-node tier's VM node: a Debian 12 root disk with containerd 2.x, kubelet and
# kube-proxy (the control plane's Kubernetes version), a pause image and the units that configure
# the node from its per-VM seed disk at every boot (test/harness/real-nodes/vm-node.ts writes the seed).
# Cached outside the checkout in vm-node/<key>/ (vmlinuz, initrd.img, disk.img, versions.txt),
# keyed by a hash of every input, so a fresh clone on the same machine reuses it. Prints the folder
# on stdout; progress goes to stderr. Needs root (mmdebstrap, chroot), Go, mmdebstrap, mkfs.ext4.
#
# The slow parts are cached on their own, keyed by their own inputs, so a change to a unit file
# only re-assembles the disk (~1 min): the rootfs tarball (mmdebstrap, 2–4 min), containerd and
# kubelet + kube-proxy (Go, 2–3 min each on 2 cores with a warm module cache).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vmdir="$root/scripts/vm-node"
cache="${KREBOOT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kreboot}/vm-node"
# The node runs the control plane's version, stamped the same way (version skew would be a test of
# its own).
K8S_VERSION="$(sed -n 's/^K8S_VERSION="\([^"]*\)".*/\1/p' "$root/scripts/build-control-plane.sh")"
CONTAINERD_VERSION="$(sed -n 's/^\tgithub.com\/containerd\/containerd\/v2 \(v[^ ]*\).*/\1/p' "$root/test/cluster/containerd/go.mod")"
[ -n "$K8S_VERSION" ] && [ -n "$CONTAINERD_VERSION" ] || { echo "build-vm-node: cannot read the pinned versions" >&2; exit 1; }

# hash FILE...: a short hash of the files' repo-relative names and contents.
hash() { (cd "$root" && for f in "$@"; do echo "${f#"$root"/}"; cat "$f"; done) | sha256sum | cut -c1-12; }
mapfile -t node_files < <(find "$vmdir" -type f | sort)
rootfs_inputs=("$vmdir/rootfs.sh" "$vmdir/customize-rootfs.sh")
containerd_inputs=("$root/test/cluster/containerd/go.mod" "$root/test/cluster/containerd/go.sum")
kube_inputs=("$root/test/cluster/build/go.mod" "$root/test/cluster/build/go.sum" "$root/scripts/kube-version-stamp.sh")
pause_inputs=("$root/test/cluster/pause/go.mod" "$root/test/cluster/pause/main.go")
key="$({ echo "$K8S_VERSION"; hash "${BASH_SOURCE[0]}" "${node_files[@]}" "${containerd_inputs[@]}" "${kube_inputs[@]}" "${pause_inputs[@]}"; } | sha256sum | cut -c1-12)"
out="$cache/$key"
if [ -f "$out/versions.txt" ]; then echo "$out"; exit 0; fi

for tool in go mmdebstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "build-vm-node: $tool is needed (scripts/setup.sh installs it)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "build-vm-node: needs root (mmdebstrap --mode=root, chroot)" >&2; exit 1; }
start=$SECONDS
log() { echo "[build-vm-node $((SECONDS - start))s] $*" >&2; }
mkdir -p "$cache/parts"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

# The rootfs is network- and dpkg-bound, the Go builds CPU-bound: run it beside them.
rootfs="$cache/parts/rootfs-$(hash "${rootfs_inputs[@]}").tar"
rootfs_pid=""
if [ ! -f "$rootfs" ]; then
  log "building the Debian 12 rootfs (mmdebstrap, 2–4 min)"
  bash "$vmdir/rootfs.sh" "$rootfs" &
  rootfs_pid=$!
fi

containerd_bin="$cache/parts/containerd-$CONTAINERD_VERSION-$(hash "${containerd_inputs[@]}")"
if [ ! -x "$containerd_bin/containerd" ]; then
  log "building containerd $CONTAINERD_VERSION (~2–3 min)"
  tmp="$(mktemp -d "$cache/parts/.containerd.XXXXXX")"
  # Static (CGO off): no btrfs snapshotter, which the node does not use.
  (cd "$root/test/cluster/containerd" && nice -n 10 go build -trimpath \
    -ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" -o "$tmp/" \
    github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
    github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2) >&2
  rm -rf "$containerd_bin" && mv "$tmp" "$containerd_bin"
fi

kube_bin="$cache/parts/kube-$K8S_VERSION-$(hash "${kube_inputs[@]}")"
if [ ! -x "$kube_bin/kubelet" ]; then
  log "building kubelet and kube-proxy $K8S_VERSION (~2–3 min after the control plane's build)"
  tmp="$(mktemp -d "$cache/parts/.kube.XXXXXX")"
  # The same version stamp as scripts/build-control-plane.sh.
  # shellcheck source=kube-version-stamp.sh
  source "$root/scripts/kube-version-stamp.sh"
  stamp="$(kube_version_stamp "$K8S_VERSION")"
  (cd "$root/test/cluster/build" && nice -n 10 go build -trimpath -ldflags="-s -w$stamp" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy) >&2
  rm -rf "$kube_bin" && mv "$tmp" "$kube_bin"
fi

pause_bin="$cache/parts/pause-$(hash "${pause_inputs[@]}")"
if [ ! -x "$pause_bin/pause" ]; then
  tmp="$(mktemp -d "$cache/parts/.pause.XXXXXX")"
  (cd "$root/test/cluster/pause" && go build -trimpath -ldflags='-s -w' -o "$tmp/pause" .) >&2
  rm -rf "$pause_bin" && mv "$tmp" "$pause_bin"
fi

if [ -n "$rootfs_pid" ]; then
  wait "$rootfs_pid" || { log "the rootfs build failed"; exit 1; }
  log "rootfs done"
fi

log "assembling the node disk"
tmp="$(mktemp -d "$cache/.$key.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
bash "$vmdir/assemble.sh" "$tmp" "$rootfs" "$containerd_bin" "$kube_bin" "$pause_bin/pause"
{
  echo "key $key"
  echo "kubernetes $K8S_VERSION"
  echo "containerd $CONTAINERD_VERSION"
  cat "$tmp/packages.txt"
} > "$tmp/versions.txt"
rm -f "$tmp/packages.txt"
rm -rf "$out" && mv "$tmp" "$out"
trap - EXIT
# A node folder is ~1 GB: keep this one and the newest other (another checkout may use it).
# shellcheck disable=SC2012 # names are ours: 12 hex digits
for old in $(ls -td "$cache"/[0-9a-f]*/ 2>/dev/null | tail -n +3); do
  log "removing old node $(basename "$old")"
  rm -rf "$old"
done
log "done: $(du -sh --apparent-size "$out/disk.img" | cut -f1) disk ($(du -sh "$out/disk.img" | cut -f1) used)"
echo "$out"
