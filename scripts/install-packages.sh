#!/bin/sh
# Install the Debian packages mdcs builds and tests with, and a deb-src entry
# (derived from the machine's own Debian sources) for FRR's source package.
set -eu

export DEBIAN_FRONTEND=noninteractive

packages="
	autoconf automake libtool pkg-config make gcc clang llvm dpkg-dev patch
	libbpf-dev bpftool libelf-dev zlib1g-dev libnl-3-dev libnl-route-3-dev
	libsodium-dev check libyang2-dev libyang2-tools libyuma-base
	libnetconf2-dev
	libssh-dev libssl-dev libjson-c-dev
	bison flex gawk libreadline-dev libc-ares-dev libcap-dev python3-dev
	libprotobuf-c-dev libpcre2-dev
	iproute2 nftables ethtool procps iputils-ping tcpdump tshark iperf ssmping gdb
	valgrind python3 python3-pytest python3-matplotlib python3-ncclient
	openssh-client
"

# Every stanza or line that fetches binary packages from a Debian archive
# gets a deb-src twin; nothing else is added.
write_deb_src() {
	out=/etc/apt/sources.list.d/mdcs-deb-src.sources
	tmp=$(mktemp)
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$out" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types:[^\n]*deb/ && /(^|\n)URIs:[^\n]*debian/ &&
		     !/(^|\n)Enabled: *no/ {
			gsub(/(^|\n)#[^\n]*/, "")
			sub(/Types:[^\n]*/, "Types: deb-src")
			sub(/^\n+/, "")
			print
		     }' "$f" >>"$tmp"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" && /debian/ {
			$1 = "deb-src"
			print "Types: deb-src"
			n = 2
			if ($2 ~ /^\[/) {
				while ($n !~ /\]$/) n++
				n++
			}
			print "URIs: " $n
			print "Suites: " $(n + 1)
			c = ""
			for (i = n + 2; i <= NF; i++) c = c " " $i
			print "Components:" c
			print ""
		     }' "$f" >>"$tmp"
	done
	if [ ! -s "$tmp" ]; then
		echo "install-packages: no Debian archive in the apt sources" >&2
		rm -f "$tmp"
		exit 1
	fi
	if ! cmp -s "$tmp" "$out" 2>/dev/null; then
		install -m 644 "$tmp" "$out"
	fi
	rm -f "$tmp"
}

write_deb_src
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
