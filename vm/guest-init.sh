#!/bin/sh
# PID 1 of the guest (vm/run.sh): the mounts a machine has, the kernel's
# own modules, then the command in the shared folder; its status in rc.
mount -t proc proc /proc
mount -t sysfs sys /sys
ver=$(uname -r)
modules=$(sed -n 's/.*mdcs_modules=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p "/lib/modules/$ver" /mnt/out
mount --bind "$modules" "/lib/modules/$ver"
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs shm /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /mnt/out
# devices that come with their module, and that nothing loads on demand
modprobe tun
ip link set lo up
hostname mdcs-vm

sh /mnt/out/cmd </dev/null
echo $? >/mnt/out/rc
sync
busybox poweroff -f
