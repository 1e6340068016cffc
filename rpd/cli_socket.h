/* rpd's CLI socket: requests from FRR's pim6d module, framed as proto/cli.h. */
#ifndef RPD_CLI_SOCKET_H
#define RPD_CLI_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CLI_MAX_CLIENTS 16

/* Answer a request: the reply's text (malloc'd, or NULL for none) in
 * *text; returns its status (enum mdcs_cli_status). */
typedef int (*cli_request_fn)(void *arg, const char *verb, const char *body,
			      char **text);

struct cli_client {
	struct cli_socket *s;
	int fd;
	char *buf; /* the request read so far */
	size_t len, cap;
};

struct cli_socket {
	struct loop *loop;
	int fd;
	char *path;
	bool bound; /* path is this rpd's socket, to remove at the end */
	cli_request_fn answer;
	void *arg;
	struct cli_client clients[CLI_MAX_CLIENTS];
};

/*
 * Listen on path (replacing a stale socket), mode 0660 with group gid
 * ((gid_t)-1: rpd's own), and answer each request with answer(arg, ...).
 */
int cli_socket_open(struct cli_socket *s, struct loop *loop, const char *path,
		    gid_t gid, cli_request_fn answer, void *arg);
void cli_socket_close(struct cli_socket *s);

#endif
