#!/bin/sh
# Mount the BPF file system on /sys/fs/bpf if it is not there; rpd pins its
# maps below it.  Idempotent.
set -eu
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
	mkdir -p /sys/fs/bpf
	mount -t bpf bpf /sys/fs/bpf
fi
