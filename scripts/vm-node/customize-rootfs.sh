#!/usr/bin/env bash
# mmdebstrap customize hook ($1 = the rootfs): turns a minimal Debian into a fast-booting QEMU guest
# with root on /dev/vda, DHCP on QEMU's user-mode network, qemu-guest-agent on its virtio port and
# the kernel settings a kubelet needs. Boot time matters: under TCG every unit costs seconds.
set -euo pipefail
r="$1"

printf '/dev/vda / ext4 rw,relatime 0 1\n' > "$r/etc/fstab"
echo node > "$r/etc/hostname"
printf '127.0.0.1 localhost\n' > "$r/etc/hosts"
# A test machine reached only through its serial console and the guest agent.
chroot "$r" passwd -d root >/dev/null
# Each VM's machine-id is made on its first boot (on its own overlay disk), so two VMs from one
# base disk are two machines to the kubelet.
: > "$r/etc/machine-id"

mkdir -p "$r/etc/systemd/network"
printf '[Match]\nName=eth* en*\n[Network]\nDHCP=ipv4\n' > "$r/etc/systemd/network/10-eth.network"
chroot "$r" systemctl enable systemd-networkd.service >/dev/null 2>&1
# QEMU's user-mode DNS; there is no route outside anyway.
rm -f "$r/etc/resolv.conf"
echo 'nameserver 10.0.2.3' > "$r/etc/resolv.conf"

# qemu-guest-agent is started by udev when its virtio port appears; also want it from the device unit.
wants="$r/etc/systemd/system/dev-virtio\\x2dports-org.qemu.guest_agent.0.device.wants"
mkdir -p "$wants"
ln -sf /lib/systemd/system/qemu-guest-agent.service "$wants/"

printf 'overlay\nbr_netfilter\n' > "$r/etc/modules-load.d/kubernetes.conf"
printf 'net.ipv4.ip_forward=1\nnet.bridge.bridge-nf-call-iptables=1\n' > "$r/etc/sysctl.d/90-kubernetes.conf"
mkdir -p "$r/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=32M\nForwardToConsole=no\n' > "$r/etc/systemd/journald.conf.d/small.conf"

# Units a disposable test node never needs; each one is boot time under TCG.
chroot "$r" systemctl mask e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
  fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service getty@tty1.service \
  systemd-journal-flush.service >/dev/null 2>&1 || true

# A small initramfs: only what mounting /dev/vda needs (the default, MODULES=most, takes ~10 s to
# unpack under TCG).
mkdir -p "$r/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' > "$r/etc/initramfs-tools/conf.d/kreboot.conf"
printf 'virtio_pci\nvirtio_blk\next4\ncrc32c_generic\n' >> "$r/etc/initramfs-tools/modules"
chroot "$r" update-initramfs -u -k all >/dev/null 2>&1
chroot "$r" apt-get clean
rm -rf "$r/var/lib/apt/lists"/*
