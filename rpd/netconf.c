/* rpd's NETCONF server: SSH and UNIX socket endpoints, sessions, events. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <nc_server.h>

#include "filter.h"
#include "log.h"
#include "netconf.h"

#define NOTIFICATION_CAP "urn:ietf:params:netconf:capability:notification:1.0"
#define INTERLEAVE_CAP	 "urn:ietf:params:netconf:capability:interleave:1.0"
#define POLL_MS		 500
/* The acceptors wait for connections in turn, so rpd stops within
 * NETCONF_ACCEPTORS times this. */
#define ACCEPT_MS 100
#define SEND_MS	  1000

/* libnetconf2's server is one per process and its callbacks take no
 * argument of ours. */
static struct netconf *server;

int netconf_load_modules(struct ly_ctx *ctx, char *err, size_t len)
{
	static const char *netconf_features[] = {
		"writable-running",
		"candidate",
		"rollback-on-error",
		"validate",
		"startup",
		"xpath",
		NULL,
	};
	static const struct {
		const char *name;
		const char **features;
	} mods[] = {
		{ "ietf-netconf", netconf_features },
		{ "ietf-netconf-monitoring", NULL },
		{ "notifications", NULL },
		{ "nc-notifications", NULL },
	};

	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		if (!ly_ctx_load_module(ctx, mods[i].name, NULL,
					mods[i].features)) {
			snprintf(err, len, "YANG module %s: %s", mods[i].name,
				 ly_errmsg(ctx));
			return -1;
		}
	}
	return 0;
}

/* The session table's entry for a session id; under nc->lock. */
static struct netconf_session *slot_of(struct netconf *nc, uint32_t id)
{
	for (int i = 0; i < NETCONF_MAX_SESSIONS; i++)
		if (nc->sessions[i].nc &&
		    nc_session_get_id(nc->sessions[i].nc) == id)
			return &nc->sessions[i];
	return NULL;
}

static struct nc_server_reply *refuse(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static struct nc_server_reply *refuse(const char *tag, const char *fmt, ...)
{
	struct ds_error err = { .tag = tag };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err.message, sizeof(err.message), fmt, ap);
	va_end(ap);
	return ncops_error(server->ctx, &err);
}

struct call {
	struct netconf *nc;
	const struct lyd_node *rpc;
	uint32_t session;
	struct nc_server_reply *reply;
};

static void reply_on_loop(void *arg)
{
	struct call *c = arg;

	c->reply = ncops_reply(c->nc->ops, c->rpc, c->session);
}

static void end_on_loop(void *arg)
{
	struct call *c = arg;

	ds_session_end(c->nc->ops->ds, c->session);
}

/* RFC 6241 7.9: the session ends, and with it its locks. */
static struct nc_server_reply *kill_session(struct netconf *nc,
					    const struct lyd_node *rpc,
					    struct nc_session *self)
{
	struct call c = { .nc = nc };
	struct netconf_session *victim;
	struct lyd_node *id;

	if (lyd_find_path(rpc, "session-id", 0, &id))
		return refuse("missing-element", "session-id is missing");
	c.session = (uint32_t)strtoul(lyd_get_value(id), NULL, 10);
	if (c.session == nc_session_get_id(self))
		return refuse("invalid-value",
			      "a session closes itself with close-session");
	pthread_mutex_lock(&nc->lock);
	victim = slot_of(nc, c.session);
	if (victim) {
		nc_session_set_term_reason(victim->nc, NC_SESSION_TERM_KILLED);
		nc_session_set_killed_by(victim->nc, nc_session_get_id(self));
		nc_session_set_status(victim->nc, NC_STATUS_INVALID);
	}
	pthread_mutex_unlock(&nc->lock);
	if (!victim)
		return refuse("invalid-value", "there is no session %u",
			      (unsigned)c.session);
	if (handoff_call(&nc->handoff, end_on_loop, &c))
		return refuse("operation-failed", "rpd is shutting down");
	log_notice("NETCONF session %u killed by session %u",
		   (unsigned)c.session, (unsigned)nc_session_get_id(self));
	return nc_server_reply_ok();
}

/* RFC 5277 2.1.1, for the one stream rpd has; no replay. */
static struct nc_server_reply *subscribe(struct netconf *nc,
					 const struct lyd_node *rpc,
					 struct nc_session *self)
{
	struct lyd_node *n = NULL;
	struct netconf_session *s;
	struct ds_error err = { 0 };
	char *xpath;

	if (!lyd_find_path(rpc, "stream", 0, &n) &&
	    strcmp(lyd_get_value(n), "NETCONF"))
		return refuse("invalid-value", "there is no stream %s",
			      lyd_get_value(n));
	if (!lyd_find_path(rpc, "startTime", 0, &n))
		return refuse("operation-not-supported",
			      "rpd keeps no notifications to replay");
	lyd_find_path(rpc, "filter", 0, &n);
	if (filter_xpath(n, &xpath, &err))
		return ncops_error(nc->ctx, &err);
	pthread_mutex_lock(&nc->lock);
	s = slot_of(nc, nc_session_get_id(self));
	if (s && !s->subscribed) {
		s->subscribed = true;
		s->filter = xpath;
		xpath = NULL;
		nc_session_inc_notif_status(self);
	}
	pthread_mutex_unlock(&nc->lock);
	if (xpath || !s) {
		free(xpath);
		return refuse("in-use", "this session has a subscription");
	}
	return nc_server_reply_ok();
}

static struct nc_server_reply *on_rpc(struct lyd_node *rpc,
				      struct nc_session *session)
{
	struct netconf *nc = server;
	struct call c = { nc, rpc, nc_session_get_id(session), NULL };
	const char *name = rpc->schema->name;

	if (!strcmp(name, "kill-session"))
		return kill_session(nc, rpc, session);
	if (!strcmp(name, "create-subscription"))
		return subscribe(nc, rpc, session);
	if (handoff_call(&nc->handoff, reply_on_loop, &c))
		return refuse("operation-failed", "rpd is shutting down");
	return c.reply ? c.reply
		       : refuse("operation-not-supported",
				"rpd does not implement %s", name);
}

static void add_session(struct netconf *nc, struct nc_session *s)
{
	int i;

	pthread_mutex_lock(&nc->lock);
	for (i = 0; i < NETCONF_MAX_SESSIONS && nc->sessions[i].nc; i++)
		;
	if (i < NETCONF_MAX_SESSIONS && nc_ps_add_session(nc->ps, s) == 0) {
		nc->sessions[i] = (struct netconf_session){ .nc = s };
		pthread_cond_signal(&nc->have_sessions);
		s = NULL;
	}
	pthread_mutex_unlock(&nc->lock);
	if (s) {
		log_warn("NETCONF session of %s refused: %d sessions open",
			 nc_session_get_username(s), NETCONF_MAX_SESSIONS);
		nc_session_free(s, NULL);
		return;
	}
}

/* A session is over (closed, killed, or its transport gone). */
static void end_session(struct netconf *nc, struct nc_session *s)
{
	struct call c = { .nc = nc, .session = nc_session_get_id(s) };
	struct netconf_session *slot;

	handoff_call(&nc->handoff, end_on_loop, &c);
	pthread_mutex_lock(&nc->lock);
	slot = slot_of(nc, c.session);
	if (slot) {
		free(slot->filter);
		*slot = (struct netconf_session){ 0 };
	}
	nc_ps_del_session(nc->ps, s);
	pthread_mutex_unlock(&nc->lock);
	log_info("NETCONF session %u ended", (unsigned)c.session);
	nc_session_free(s, NULL);
}

static void *accept_sessions(void *arg)
{
	struct netconf *nc = arg;

	while (!nc->stop) {
		struct nc_session *s = NULL;

		if (nc_accept(ACCEPT_MS, &s) != NC_MSG_HELLO)
			continue;
		log_info("NETCONF session %u of %s",
			 (unsigned)nc_session_get_id(s),
			 nc_session_get_username(s));
		add_session(nc, s);
	}
	return NULL;
}

static void *poll_sessions(void *arg)
{
	struct netconf *nc = arg;

	while (!nc->stop) {
		struct nc_session *s = NULL, *channel = NULL;
		struct timespec until;
		int r;

		pthread_mutex_lock(&nc->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec++;
		if (!nc->stop && nc_ps_session_count(nc->ps) == 0)
			pthread_cond_timedwait(&nc->have_sessions, &nc->lock,
					       &until);
		pthread_mutex_unlock(&nc->lock);
		r = nc_ps_poll(nc->ps, POLL_MS, &s);
		if (r & NC_PSPOLL_SESSION_TERM)
			end_session(nc, s);
		else if ((r & NC_PSPOLL_SSH_CHANNEL) &&
			 nc_session_accept_ssh_channel(s, &channel) ==
				 NC_MSG_HELLO)
			add_session(nc, channel);
	}
	return NULL;
}

static int host_key(const char *name, void *path, char **privkey_path,
		    char **privkey_data, NC_SSH_KEY_TYPE *type)
{
	(void)name;
	(void)privkey_data;
	(void)type;
	*privkey_path = strdup(path);
	return *privkey_path ? 0 : -1;
}

static int listen_unix(const struct netconf_conf *conf)
{
	return nc_server_add_endpt("unix", NC_TI_UNIX) ||
	       nc_server_endpt_set_address("unix", conf->unix_path) ||
	       nc_server_endpt_set_perms("unix", 0600, (uid_t)-1, (gid_t)-1);
}

static int listen_ssh(const struct netconf_conf *conf)
{
	char *key = strdup(conf->host_key);

	if (!key)
		return -1;
	nc_server_ssh_set_hostkey_clb(host_key, key, free);
	if (nc_server_add_endpt("ssh", NC_TI_LIBSSH) ||
	    nc_server_endpt_set_address("ssh", conf->ssh_address) ||
	    nc_server_endpt_set_port("ssh", conf->ssh_port) ||
	    nc_server_ssh_endpt_add_hostkey("ssh", "host-key", -1) ||
	    nc_server_ssh_endpt_set_auth_methods("ssh", NC_SSH_AUTH_PUBLICKEY))
		return -1;
	for (unsigned i = 0; i < conf->n_users; i++) {
		if (nc_server_ssh_add_authkey_path(conf->users[i].pubkey_file,
						   conf->users[i].name)) {
			log_err("NETCONF user %s: public key %s not read",
				conf->users[i].name,
				conf->users[i].pubkey_file);
			return -1;
		}
	}
	return 0;
}

static void log_libnetconf2(const struct nc_session *s, NC_VERB_LEVEL level,
			    const char *msg)
{
	int prio = level == NC_VERB_ERROR     ? LOG_ERR
		   : level == NC_VERB_WARNING ? LOG_WARNING
					      : LOG_DEBUG;

	if (s)
		log_msg(prio, "NETCONF session %u: %s",
			(unsigned)nc_session_get_id(s), msg);
	else
		log_msg(prio, "NETCONF: %s", msg);
}

/* rpd's own get-schema, in place of libnetconf2's default. */
static void own_get_schema(struct ly_ctx *ctx)
{
	struct lysc_node *rpc = (struct lysc_node *)lys_find_path(
		ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0);

	if (rpc)
		rpc->priv = on_rpc;
}

int netconf_start(struct netconf *nc, const struct netconf_conf *conf,
		  struct ly_ctx *ctx, struct loop *loop, struct ncops *ops)
{
	nc->ctx = ctx;
	nc->ops = ops;
	nc->stop = false;
	nc->n_acceptors = 0;
	nc->polling = false;
	pthread_mutex_init(&nc->lock, NULL);
	pthread_cond_init(&nc->have_sessions, NULL);
	server = nc;
	nc_set_print_clb_session(log_libnetconf2);
	nc_verbosity(log_enabled(LOG_DEBUG) ? NC_VERB_DEBUG : NC_VERB_WARNING);
	own_get_schema(ctx);
	if (handoff_init(&nc->handoff, loop) || nc_server_init(ctx))
		return -1;
	nc_set_global_rpc_clb(on_rpc);
	nc_server_set_capability(NOTIFICATION_CAP);
	nc_server_set_capability(INTERLEAVE_CAP);
	if ((conf->unix_path && listen_unix(conf)) ||
	    (conf->ssh_address && listen_ssh(conf)))
		return -1;
	nc->ps = nc_ps_new();
	if (!nc->ps)
		return -1;
	for (; nc->n_acceptors < NETCONF_ACCEPTORS; nc->n_acceptors++)
		if (pthread_create(&nc->acceptors[nc->n_acceptors], NULL,
				   accept_sessions, nc))
			return -1;
	if (pthread_create(&nc->poller, NULL, poll_sessions, nc))
		return -1;
	nc->polling = true;
	if (conf->unix_path)
		log_notice("NETCONF on %s", conf->unix_path);
	if (conf->ssh_address)
		log_notice("NETCONF over SSH on [%s]:%u", conf->ssh_address,
			   conf->ssh_port);
	return 0;
}

void netconf_notify(struct netconf *nc, const struct lyd_node *notif)
{
	struct nc_server_notif *n;
	struct ds_error err;
	char *when = NULL;

	if (!nc->ps || ly_time_time2str(time(NULL), NULL, &when))
		return;
	pthread_mutex_lock(&nc->lock);
	for (int i = 0; i < NETCONF_MAX_SESSIONS; i++) {
		struct netconf_session *s = &nc->sessions[i];
		struct lyd_node *sent;

		if (!s->subscribed ||
		    filter_apply(notif, s->filter, &sent, &err) || !sent)
			continue;
		n = nc_server_notif_new(sent, when, NC_PARAMTYPE_DUP_AND_FREE);
		if (n &&
		    nc_server_notif_send(s->nc, n, SEND_MS) != NC_MSG_NOTIF)
			log_warn("NETCONF session %u: notification not sent",
				 (unsigned)nc_session_get_id(s->nc));
		nc_server_notif_free(n);
		lyd_free_siblings(sent);
	}
	pthread_mutex_unlock(&nc->lock);
	free(when);
}

void netconf_stop(struct netconf *nc)
{
	if (!nc->ctx)
		return;
	nc->stop = true;
	handoff_close(&nc->handoff);
	pthread_mutex_lock(&nc->lock);
	pthread_cond_broadcast(&nc->have_sessions);
	pthread_mutex_unlock(&nc->lock);
	for (unsigned i = 0; i < nc->n_acceptors; i++)
		pthread_join(nc->acceptors[i], NULL);
	if (nc->polling)
		pthread_join(nc->poller, NULL);
	for (int i = 0; i < NETCONF_MAX_SESSIONS; i++)
		free(nc->sessions[i].filter);
	if (nc->ps) {
		nc_ps_clear(nc->ps, 1, NULL);
		nc_ps_free(nc->ps);
	}
	nc_server_destroy();
	handoff_fini(&nc->handoff);
	pthread_cond_destroy(&nc->have_sessions);
	pthread_mutex_destroy(&nc->lock);
	server = NULL;
	nc->ctx = NULL;
}
