/* Test sandbox: private network namespaces, BPF pins, and shell steps. */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "sandbox.h"

#define BPFFS	   "/sys/fs/bpf"
#define PIN_PREFIX "mdcs-test-"

static char pins[64];
static int peer_fd = -1;
static char peer_path[64];

static void remove_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* Pins of test processes that died before their teardown. */
static void sweep_stale_pins(void)
{
	DIR *d = opendir(BPFFS);
	struct dirent *e;
	char path[512];

	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid;

		if (sscanf(e->d_name, PIN_PREFIX "%d", &pid) != 1 ||
		    kill(pid, 0) == 0)
			continue;
		snprintf(path, sizeof(path), BPFFS "/%s", e->d_name);
		remove_pins(path);
	}
	closedir(d);
}

const char *sandbox_enter(void)
{
	struct statfs st;

	ck_assert_msg(statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC,
		      BPFFS " is not the BPF file system: run ./setup.sh");
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare: tests need root");
	sweep_stale_pins();
	snprintf(pins, sizeof(pins), BPFFS "/" PIN_PREFIX "%d", getpid());
	ck_assert(mkdir(pins, 0700) == 0);
	sh("ip link set lo up");
	return pins;
}

const char *sandbox_peer(void)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	ck_assert(self >= 0);
	ck_assert(unshare(CLONE_NEWNET) == 0);
	/* Not close-on-exec: commands run by sh() reach it as a path. */
	peer_fd = open("/proc/self/ns/net", O_RDONLY);
	ck_assert(peer_fd >= 0);
	ck_assert(setns(self, CLONE_NEWNET) == 0);
	close(self);
	snprintf(peer_path, sizeof(peer_path), "/proc/%d/fd/%d", getpid(),
		 peer_fd);
	sh("nsenter --net=%s ip link set lo up", peer_path);
	return peer_path;
}

int sandbox_peer_socket(int domain, int type, int protocol)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int s;

	ck_assert(self >= 0 && peer_fd >= 0);
	ck_assert(setns(peer_fd, CLONE_NEWNET) == 0);
	s = socket(domain, type, protocol);
	ck_assert(setns(self, CLONE_NEWNET) == 0);
	close(self);
	ck_assert(s >= 0);
	return s;
}

void sandbox_leave(void)
{
	if (peer_fd >= 0)
		close(peer_fd);
	peer_fd = -1;
	if (pins[0])
		remove_pins(pins);
	pins[0] = '\0';
}

void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "'%s' failed (%d)", cmd, rc);
}
