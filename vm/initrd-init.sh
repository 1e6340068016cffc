#!/bin/busybox sh
# shellcheck shell=dash
# The initrd's /init: this machine's root over 9p, read-only, under a layer
# in memory; then the guest's init named on the kernel's command line.
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do
	insmod "/lib/$m" || echo "initrd: cannot load $m"
done </modules
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	root /lower
mount -t tmpfs -o mode=0755 upper /upper
mkdir /upper/data /upper/work
mount -t overlay overlay \
	-o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot
init=$(sed -n 's/.*mdcs_init=\([^ ]*\).*/\1/p' /proc/cmdline)
umount /sys /proc
mount --move /dev /newroot/dev
exec switch_root /newroot "$init"
