#!/usr/bin/env bash
# rootfs.sh OUT.tar: the VM node's Debian 12 root filesystem as a tarball, built with mmdebstrap
# from Debian's packages only, then made bootable for QEMU's direct kernel boot by
# customize-rootfs.sh. Everything Kubernetes-specific is added later by assemble.sh, so changing a
# unit or a binary does not repeat this slow (2–4 min), network-bound step.
set -euo pipefail
out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MIRROR="${KREBOOT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY="${KREBOOT_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

# What a kubelet node needs (runc and the CNI plugins from Debian: 1.1.x work with containerd 2),
# what the harness drives it with (qemu-guest-agent), and busybox-static for the test image.
# Debian's containerd (1.6) is too old for Kubernetes >= 1.36: containerd is built from source.
packages=(
  systemd systemd-sysv udev dbus kmod linux-image-amd64
  iproute2 iptables conntrack ethtool socat ca-certificates
  runc containernetworking-plugins
  qemu-guest-agent procps util-linux mount e2fsprogs busybox-static
)
tmp="$out.tmp"
rm -f "$tmp"
nice -n 19 mmdebstrap --mode=root --variant=minbase --format=tar \
  --aptopt='Apt::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook="bash $here/customize-rootfs.sh \"\$1\"" \
  bookworm "$tmp" \
  "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY bookworm-security main" >&2
mv "$tmp" "$out"
