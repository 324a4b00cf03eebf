#!/usr/bin/env bash
# Brings a machine to the point where kreboot's tests and demo can run, doing only what is
# missing: npm dependencies (which bring the project-local Node 24), the Debian packages
# (Prometheus, Alertmanager, openssl; python3-venv for the packaging tests' hadolint;
# python3-aiosmtpd for the smtp notifier's loopback SMTP server; jq for the kured log-query test;
# podman, buildah, runc and mmdebstrap for kreboot's own image; QEMU, qemu-utils and e2fsprogs for
# the real-node tier's VMs), the Kubernetes control-plane binaries and helm (built once per machine
# from the Go module proxy into ~/.cache/kreboot), kreboot's image (built with podman from the
# Dockerfile) and the real-node tier's VM node (scripts/build-vm-node.sh), cached there too. Safe to
# run again; fast when done.
# Sourced by test.sh and demo.sh; run on its own it does the same and prints the binary folder.
set -euo pipefail

KREBOOT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APT_PACKAGES=(prometheus prometheus-alertmanager openssl ca-certificates python3 python3-venv python3-aiosmtpd jq chromium
  podman buildah runc mmdebstrap qemu-system-x86 qemu-utils e2fsprogs)

setup_log() { echo "[setup] $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else setup_log "need root for: $* (no sudo found)"; return 1
  fi
}

setup_npm() {
  if [ ! -x "$KREBOOT_ROOT/node_modules/.bin/node" ] || [ "$KREBOOT_ROOT/package-lock.json" -nt "$KREBOOT_ROOT/node_modules/.package-lock.json" ]; then
    setup_log "installing npm dependencies (npm ci)"
    (cd "$KREBOOT_ROOT" && npm ci --no-audit --no-fund) >&2
  fi
}

setup_apt() {
  local missing=()
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
  command -v openssl >/dev/null || missing+=(openssl)
  [ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
  # Debian's interpreter, which test/harness/notify/smtp-sink.ts runs (pyenv may shadow python3).
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
  command -v jq >/dev/null || missing+=(jq)
  command -v chromium >/dev/null || missing+=(chromium)
  # The image build (scripts/build-image.sh): podman runs with runc (crun refuses hybrid cgroups).
  for tool in podman buildah runc mmdebstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  # The real-node tier: VM nodes under QEMU, their disks made with mkfs.ext4 -d.
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
  [ ${#missing[@]} -eq 0 ] && return 0
  setup_log "installing Debian packages: ${APT_PACKAGES[*]}"
  # The packages try to start services; on machines without an init system that is refused, which
  # is what we want: the test harness runs the binaries itself, on loopback.
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >&2
}

setup_control_plane() {
  KREBOOT_CONTROL_PLANE_BIN="$(bash "$KREBOOT_ROOT/scripts/build-control-plane.sh")"
  export KREBOOT_CONTROL_PLANE_BIN
}

# helm (for the chart's tests) is built the same way, before the tests, so no test pays for it.
setup_helm() {
  [ -f "$KREBOOT_ROOT/scripts/build-helm.sh" ] && bash "$KREBOOT_ROOT/scripts/build-helm.sh" >/dev/null
  return 0
}

# kreboot's image, as an OCI archive (podman load, ctr import): the image tests and the real-node
# tier use it. Built with podman from the Dockerfile on a local base, a few minutes the first time.
setup_image() {
  KREBOOT_IMAGE_ARCHIVE="$(bash "$KREBOOT_ROOT/scripts/build-image.sh")"
  export KREBOOT_IMAGE_ARCHIVE
}

# The VM node for the real-node tier (tens of minutes cold: rootfs, containerd, kubelet).
setup_vm_node() {
  KREBOOT_VM_NODE_DIR="$(bash "$KREBOOT_ROOT/scripts/build-vm-node.sh")"
  export KREBOOT_VM_NODE_DIR
}

setup_all() {
  setup_npm
  setup_apt
  setup_control_plane
  setup_helm
  setup_image
  setup_vm_node
  export PATH="$KREBOOT_ROOT/node_modules/.bin:$PATH"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  setup_all
  echo "$KREBOOT_CONTROL_PLANE_BIN"
fi
