#!/bin/sh
# Build FRR from Debian's own source package with pim6d into a private prefix.
# Skipped when the same source version and options are already installed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/frr-env.sh"

jobs=$(nproc)
# Configuration and run-time paths are FRR's usual ones: the topotest
# library mounts /etc/frr and /var/run/frr privately for every router.
options="--prefix=$MDCS_FRR_PREFIX
	--sysconfdir=/etc/frr --localstatedir=/var/run/frr
	--enable-user=frr --enable-group=frr --enable-vty-group=frrvty
	--enable-pim6d --enable-multipath=64
	--disable-doc --disable-ripd --disable-ripngd --disable-ospfd
	--disable-ldpd --disable-nhrpd --disable-eigrpd --disable-babeld
	--disable-isisd --disable-fabricd --disable-pbrd --disable-bfdd
	--disable-vrrpd --disable-pathd
	--disable-snmp --disable-rpki --disable-bgp-vnc --disable-ospfapi
	--disable-ospfclient --disable-scripting"

# The FRR user and groups its daemons and vtysh expect.
getent group frr >/dev/null || groupadd --system frr
getent group frrvty >/dev/null || groupadd --system frrvty
getent passwd frr >/dev/null ||
	useradd --system --gid frr --groups frrvty --home-dir /nonexistent \
		--no-create-home --shell /usr/sbin/nologin frr

mkdir -p "$MDCS_CACHE"
cd "$MDCS_CACHE"

debver=$(apt-cache showsrc frr | awk '/^Version:/ { print $2; exit }')
case "$debver" in
"$MDCS_FRR_VERSION"-*) ;;
*)
	echo "build-frr: Debian offers frr $debver, not $MDCS_FRR_VERSION" >&2
	exit 1
	;;
esac

# The mdcs module is built with FRR (vtysh must know its commands), and
# FRR with mdcs's fixes to it (patches/): a change to any of them rebuilds
# FRR.
proto="$here/../include/proto/cli.h"
module=$(cat "$here/pim6_mdcs.c" "$proto" "$here"/patches/*.patch | sha256sum)
want=$(printf '%s\n%s\n%s\n' "$debver" "$options" "$module" |
	sha256sum | cut -c1-16)
stamp="$MDCS_FRR_PREFIX/.mdcs-build"
if [ -x "$MDCS_FRR_PREFIX/sbin/pim6d" ] && [ -f "$stamp" ] &&
	[ "$(cat "$stamp")" = "$want" ]; then
	echo "build-frr: FRR $debver already in $MDCS_FRR_PREFIX"
	exit 0
fi

if [ ! -f "$MDCS_FRR_SRC/.mdcs-source-$debver" ]; then
	rm -rf "$MDCS_FRR_SRC" "$MDCS_CACHE/src"
	mkdir "$MDCS_CACHE/src"
	(cd "$MDCS_CACHE/src" && apt-get source -qq "frr=$debver" >/dev/null)
	mv "$MDCS_CACHE/src/frr-$MDCS_FRR_VERSION" "$MDCS_FRR_SRC"
	rm -rf "$MDCS_CACHE/src"
	touch "$MDCS_FRR_SRC/.mdcs-source-$debver"
fi

echo "build-frr: building FRR $debver with pim6d (a few minutes)"
# FRR's command extraction for vtysh only works in-tree: build in a copy so
# that the pristine source stays usable for the topotest library.
rm -rf "$MDCS_CACHE/build"
cp -a "$MDCS_FRR_SRC" "$MDCS_CACHE/build"
cd "$MDCS_CACHE/build"
for p in "$here"/patches/*.patch; do
	patch -s -p1 <"$p"
done
# vtysh's command extraction maps pimd/pim6_*.c to pim6d, so the module
# sits there and joins pim6d's lists: vtysh_scan for vtysh, clippy_scan for
# its DEFPYs.
cp "$here/pim6_mdcs.c" pimd/pim6_mdcs.c
mkdir pimd/proto
cp "$proto" pimd/proto/cli.h
cat >>pimd/subdir.am <<'EOF'

if PIM6D
module_LTLIBRARIES += pimd/pim6d_mdcs.la
vtysh_scan += pimd/pim6_mdcs.c
endif
clippy_scan += pimd/pim6_mdcs.c
pimd_pim6d_mdcs_la_SOURCES = pimd/pim6_mdcs.c
pimd_pim6d_mdcs_la_LDFLAGS = $(MODULE_LDFLAGS)
pimd_pim6d_mdcs_la_LIBADD = lib/libfrr.la
EOF
./bootstrap.sh >bootstrap.log 2>&1
# shellcheck disable=SC2086
./configure $options PYTHON=/usr/bin/python3 >configure.log
make -j"$jobs" >make.log 2>&1 || { tail -n 40 make.log >&2; exit 1; }
rm -rf "$MDCS_FRR_PREFIX"
make install >install.log 2>&1
echo "$want" >"$stamp"
echo "build-frr: FRR $debver installed in $MDCS_FRR_PREFIX"
