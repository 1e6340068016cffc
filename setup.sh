#!/bin/sh
# Set up a Debian bookworm machine for mdcs: packages, FRR 8.4.4 with pim6d,
# and a configured build tree.  Idempotent; run as root.
#
#   ./setup.sh            packages, FRR, a configured build/ directory
#   MDCS_FRR_PREFIX=...   where FRR is installed (default /opt/mdcs/frr)
#   MDCS_CACHE=...        where FRR's source and build are kept
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/scripts/frr-env.sh"

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }

"$here/scripts/install-packages.sh"
"$here/frr-plugin/build-frr.sh"
"$here/scripts/mount-bpffs.sh"

# Build out of tree, in build/; the sanitizer build sits beside it.
cd "$here"
if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	[ Makefile.am -nt configure ]; then
	autoreconf -fi
fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ ../configure -nt config.status ]; then
	../configure --with-frr="$MDCS_FRR_PREFIX" --with-frr-src="$MDCS_FRR_SRC"
fi
echo "setup.sh: ready: build/ is configured (FRR in $MDCS_FRR_PREFIX)"
# Everything builds and most tests run without it, but channels do not.
/usr/bin/python3 "$here/topotests/mdcs_topo/kernel.py" ||
	echo "setup.sh: warning: the demo and the tests that carry channels" \
		"will be skipped" >&2
