/* Test sandbox: private network and mount namespaces, and shell steps. */
#define _GNU_SOURCE
#include <check.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox.h"

static char bpffs[] = "/tmp/mdcs-test-bpffs-XXXXXX";
static int mounted;
static int peer_fd = -1;
static char peer_path[64];

const char *sandbox_enter(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET | CLONE_NEWNS) == 0,
		      "unshare: tests need root");
	ck_assert(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	ck_assert(mkdtemp(bpffs) != NULL);
	ck_assert(mount("bpf", bpffs, "bpf", 0, "mode=0700") == 0);
	mounted = 1;
	sh("ip link set lo up");
	return bpffs;
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
	if (!mounted)
		return;
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	mounted = 0;
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
