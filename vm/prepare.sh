#!/bin/sh
# Fetch Debian's kernel, which has IPv6 multicast routing, and make the
# initrd that boots it over this machine's own root; print the folder.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${MDCS_VM_CACHE:-/var/cache/mdcs/vm}

# What the VM needs and nothing else does: installed here, not by setup.sh,
# so that CI, which does not run the VM, does not wait for it.
missing=
for p in qemu-system-x86 busybox-static kmod; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

pkg=$(apt-cache depends linux-image-amd64 |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	echo "vm: apt knows no linux-image-amd64 (apt-get update?)" >&2
	exit 1
fi
ver=${pkg#linux-image-}
dir=$cache/$ver
# The kernel and its modules, once.
if [ ! -e "$dir/ready" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" &&
		apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
	rm -rf "$dir/deb"
	if ! grep -qx 'CONFIG_IPV6_MROUTE=y' "$dir/root/boot/config-$ver"; then
		echo "vm: $pkg has no IPv6 multicast routing" >&2
		exit 1
	fi
	depmod -b "$dir/root" "$ver"
	echo "$ver" >"$dir/ready"
fi

# The initrd, each time (it takes a moment): busybox, and the modules that
# mount the root over 9p with a layer on top, in the order they load.
rm -rf "$dir/initrd"
mkdir -p "$dir/initrd/bin" "$dir/initrd/lib"
cp /bin/busybox "$dir/initrd/bin/busybox"
for m in 9p 9pnet_virtio virtio_pci overlay; do
	modprobe -d "$dir/root" -S "$ver" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r ko; do
		cp "$ko" "$dir/initrd/lib/"
		basename "$ko"
	done >"$dir/initrd/modules"
cp "$here/initrd-init.sh" "$dir/initrd/init"
chmod 755 "$dir/initrd/init"
(cd "$dir/initrd" && find . | busybox cpio -o -H newc 2>/dev/null) |
	gzip -1 >"$dir/initrd.gz"
echo "$dir"
