/* rpd's NETCONF server: SSH and UNIX socket endpoints, sessions, events. */
#ifndef RPD_NETCONF_H
#define RPD_NETCONF_H

/*
 * libnetconf2 accepts and polls sessions on threads of its own; every
 * operation on rpd's state is handed over to the loop's thread (handoff.h),
 * so that the datastores and the RP are only ever touched there. Sessions
 * are accepted on several threads, because a session's SSH and hello
 * handshakes block its thread until they end or time out: one slow client
 * must not keep the others out.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <libyang/libyang.h>

#include "handoff.h"
#include "ncops.h"

#define NETCONF_MAX_USERS    16
#define NETCONF_MAX_SESSIONS 64
#define NETCONF_ACCEPTORS    4 /* handshakes under way at once */

/* A user allowed in over SSH, by the public key in a file. */
struct netconf_user {
	const char *name;
	const char *pubkey_file;
};

struct netconf_conf {
	const char *unix_path;	 /* NULL: no UNIX socket endpoint */
	const char *ssh_address; /* NULL: no SSH endpoint */
	uint16_t ssh_port;
	const char *host_key; /* the SSH server's private key file */
	struct netconf_user users[NETCONF_MAX_USERS];
	unsigned n_users;
};

struct netconf_session {
	struct nc_session *nc;
	bool subscribed; /* to the NETCONF event stream */
	char *filter;	 /* its subscription's XPath, or NULL */
};

struct netconf {
	struct ly_ctx *ctx;
	struct ncops *ops;
	struct handoff handoff;
	struct nc_pollsession *ps;
	pthread_t acceptors[NETCONF_ACCEPTORS], poller;
	unsigned n_acceptors;
	bool polling;
	volatile bool stop;
	pthread_mutex_t lock; /* sessions, and sending on them */
	pthread_cond_t have_sessions;
	struct netconf_session sessions[NETCONF_MAX_SESSIONS];
};

/* Load the NETCONF modules (ietf-netconf with its features,
 * ietf-netconf-monitoring, notifications) into ctx, before any data. */
int netconf_load_modules(struct ly_ctx *ctx, char *err, size_t len);

/* Listen as conf says and serve ops; one server per process. */
int netconf_start(struct netconf *nc, const struct netconf_conf *conf,
		  struct ly_ctx *ctx, struct loop *loop, struct ncops *ops);

/* Send a notification (a tree of the context) to the subscribed sessions;
 * on the loop's thread. */
void netconf_notify(struct netconf *nc, const struct lyd_node *notif);

/* Close every session and stop listening. */
void netconf_stop(struct netconf *nc);

#endif
