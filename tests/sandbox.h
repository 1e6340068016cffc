/* Test sandbox: private network namespaces, BPF pins, and shell steps. */
#ifndef MDCS_TEST_SANDBOX_H
#define MDCS_TEST_SANDBOX_H

/*
 * Enter a fresh network namespace (Check runs each test in its own process,
 * so it vanishes with it), bring up lo, and make a directory for BPF pins on
 * /sys/fs/bpf, whose path is returned; sandbox_leave removes it.
 */
const char *sandbox_enter(void);
void sandbox_leave(void);

/*
 * A second network namespace beside the sandbox's, e.g. for a remote host;
 * returns a path that ip(8) and nsenter(1) accept.
 */
const char *sandbox_peer(void);

/* A socket created in the peer namespace. */
int sandbox_peer_socket(int domain, int type, int protocol);

/* Run a shell command inside the sandbox; the test fails if it fails. */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
