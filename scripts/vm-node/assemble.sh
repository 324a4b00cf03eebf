#!/usr/bin/env bash
# assemble.sh OUT ROOTFS.tar CONTAINERD_DIR KUBE_DIR PAUSE: the node's boot files in OUT (vmlinuz,
# initrd.img, disk.img, packages.txt) from the Debian rootfs, the built binaries and files/ (the
# node's configuration and units, laid over the rootfs as they are). Called by build-vm-node.sh.
set -euo pipefail
out="$1" rootfs="$2" containerd="$3" kube="$4" pause="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PAUSE_IMAGE="registry.k8s.io/pause:3.10.2"   # the name containerd pins as the sandbox (files/etc/containerd)
BUSYBOX_IMAGE="kreboot.local/busybox:1"       # a shell image for tests, from Debian's busybox-static
DISK_SIZE="4G"                                 # sparse; ~1.1 GB is used, the rest is room for images

r="$out/root"
mkdir -p "$r"
tar --extract --file="$rootfs" --directory="$r" --numeric-owner --preserve-permissions --xattrs --xattrs-include='*'
install -m 0755 "$containerd"/{containerd,ctr,containerd-shim-runc-v2} "$kube"/{kubelet,kube-proxy} "$r/usr/local/bin/"
cp -rT "$here/files" "$r"

images="$r/opt/kreboot/images"
mkdir -p "$images" "$out/image"
install -m 0755 "$pause" "$out/image/pause"
bash "$here/oci-archive.sh" "$images/pause.tar" "$PAUSE_IMAGE" "$out/image" /pause
rm -rf "$out/image" && mkdir -p "$out/image/bin"
# busybox with the applets a test container needs (sh for preStop hooks, nsenter for a host command)
cp "$r/bin/busybox" "$out/image/bin/busybox"
for applet in sh sleep nsenter cat ls echo date touch; do ln -s busybox "$out/image/bin/$applet"; done
bash "$here/oci-archive.sh" "$images/busybox.tar" "$BUSYBOX_IMAGE" "$out/image" /bin/sh
rm -rf "$out/image"

# More boot time under TCG (systemd-analyze blame: 5–10 s each): modules this node never loads.
chroot "$r" systemctl mask modprobe@drm.service modprobe@fuse.service modprobe@efi_pstore.service \
  modprobe@dm_mod.service >/dev/null 2>&1
chroot "$r" systemctl enable containerd.service kubelet.service kube-proxy.service kreboot-seed.service \
  kreboot-import-images.service kreboot-bootmark.service systemd-networkd-wait-online.service >/dev/null 2>&1
cp -L "$r/vmlinuz" "$out/vmlinuz"
cp -L "$r/initrd.img" "$out/initrd.img"
chroot "$r" dpkg-query -W -f='${Package} ${Version}\n' linux-image-amd64 systemd runc containernetworking-plugins \
  qemu-guest-agent busybox-static > "$out/packages.txt"
echo "images $PAUSE_IMAGE $BUSYBOX_IMAGE" >> "$out/packages.txt"

truncate -s "$DISK_SIZE" "$out/disk.img"
nice -n 10 mkfs.ext4 -q -L kreboot-node -d "$r" "$out/disk.img"
rm -rf "$r"
