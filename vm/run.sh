#!/bin/sh
# Run a command as root in a VM under Debian's kernel (vm/prepare.sh), over
# this machine's own root filesystem with a layer in memory on top, in the
# current folder: for tests that need what this machine's kernel lacks.
# The command's output comes on the VM's console; its status is ours.
# Usage: vm/run.sh COMMAND [ARG...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=$("$here/prepare.sh")
ver=$(cat "$dir/ready")
out=$(mktemp -d /var/tmp/mdcs-vm.XXXXXX)
trap 'rm -rf "$out"' EXIT INT TERM

quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
{
	printf 'cd %s && exec' "$(quote "$PWD")"
	for arg; do
		printf ' %s' "$(quote "$arg")"
	done
	echo
} >"$out/cmd"

# Software emulation: nested KVM hung in the firmware on the machines this
# was written on (docs/testing.md).
qemu-system-x86_64 -accel tcg,thread=multi -smp "$(nproc)" \
	-m "${MDCS_VM_MEMORY:-8G}" -nic none -display none -serial stdio \
	-no-reboot -kernel "$dir/root/boot/vmlinuz-$ver" \
	-initrd "$dir/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 mdcs_init=$here/guest-init.sh mdcs_modules=$dir/root/lib/modules/$ver" \
	-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap" \
	</dev/null
if [ ! -s "$out/rc" ]; then
	echo "vm: the command did not finish in the VM" >&2
	exit 1
fi
exit "$(cat "$out/rc")"
