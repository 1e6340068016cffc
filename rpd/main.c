/* rpd, the mdcs replication point daemon: start-up, signals, shutdown. */
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sodium.h>

#include "channels.h"
#include "cli_socket.h"
#include "cliops.h"
#include "conf.h"
#include "config.h"
#include "datapath.h"
#include "datastore.h"
#include "gateways.h"
#include "peer_census.h"
#include "peer_directory.h"
#include "identity.h"
#include "log.h"
#include "loop.h"
#include "mesh.h"
#include "ncops.h"
#include "netconf.h"
#include "netlink.h"
#include "overlay.h"
#include "pimlink.h"
#include "state.h"

struct rpd {
	struct ly_ctx *ctx;
	struct datastore ds;
	struct rpd_conf conf; /* of the running datastore */
	bool up;	      /* the RP runs conf */
	struct ctl_identity id;
	struct loop loop;
	struct datapath dp;
	struct overlay overlay;
	struct mesh mesh;
	struct pimlink pim;
	struct channels channels;
	struct gateways gateways;
	struct peer_census census;
	struct directory directory;
	struct ncops ncops;
	struct netconf netconf;
	struct cli_socket cli;
	int sigfd;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rpd [-d] [-s] [-p PID_FILE] [-y YANG_PATH] "
		"[-C SOCKET [-G GROUP]] [NETCONF options]\n"
		"           -c CONFIG [-r RUNNING] | -r RUNNING\n"
		"       rpd --keygen KEY_FILE\n"
		"\n"
		"  -c, --config FILE    startup configuration: mdcs YANG "
		"instance data\n"
		"                       (JSON or XML)\n"
		"  -r, --running FILE   where the running configuration is "
		"kept; rpd\n"
		"                       starts from it if it exists "
		"(default CONFIG.running);\n"
		"                       without -c, rpd waits to be "
		"configured\n"
		"  -y, --yang PATH      directories of the YANG modules, "
		"':'-separated\n"
		"                       (default %s)\n"
		"  -p, --pid-file FILE  write rpd's process ID to FILE\n"
		"  -d, --debug          log debugging messages too\n"
		"  -s, --syslog         log to syslog instead of stderr\n"
		"  -g, --keygen FILE    write a new key file, print the public "
		"key\n"
		"  -h, --help           this text\n"
		"  -C, --cli-socket PATH  take configuration and show "
		"requests from\n"
		"                       FRR's pim6d (mdcs module) on this "
		"UNIX socket\n"
		"  -G, --cli-group GROUP  the group that may use it (mode "
		"0660)\n"
		"\n"
		"NETCONF (none of it unless asked for):\n"
		"  -S, --netconf-socket PATH   serve NETCONF on this UNIX "
		"socket\n"
		"  -a, --ssh-address ADDR      serve NETCONF over SSH on "
		"ADDR\n"
		"  -P, --ssh-port PORT         ... on this port (default "
		"830)\n"
		"  -k, --host-key FILE         the SSH host key (PEM)\n"
		"  -u, --user NAME:PUBKEY_FILE a user who may log in with "
		"this key\n",
		RPD_YANG_PATH);
}

/* SIGHUP: the startup file, edited by the operator, becomes running. */
static void reload(struct rpd *r)
{
	struct ds_error err = { 0 };

	if (ds_reload_startup(&r->ds, &err) ||
	    ds_replace(&r->ds, 0, DS_RUNNING, r->ds.tree[DS_STARTUP], &err)) {
		log_err("reload refused, running configuration unchanged: "
			"%s%s%s",
			err.message, err.path[0] ? " at " : "", err.path);
		return;
	}
	log_notice("reloaded the startup configuration");
}

static void on_signal(void *arg)
{
	struct rpd *r = arg;
	struct signalfd_siginfo si;

	if (read(r->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		reload(r);
		return;
	}
	log_notice("signal %u: shutting down", si.ssi_signo);
	loop_stop(&r->loop);
}

static int watch_signals(struct rpd *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return -1;
	return loop_watch(&r->loop, r->sigfd, on_signal, r);
}

static void fill_dp_config(const struct rpd_conf *c, int overlay_ifindex,
			   struct mdcs_dp_config *dc)
{
	memset(dc, 0, sizeof(*dc));
	dc->local = c->tunnel_addr;
	dc->port = htons(c->tunnel_port);
	dc->hop_limit = c->hop_limit;
	dc->traffic_class = c->traffic_class;
	dc->overlay_ifindex = (uint32_t)overlay_ifindex;
	dc->inner_mtu = c->inner_mtu;
	dc->overlay_hlen = 0; /* a tun device has no link header */
	if (c->has_channel_source)
		dc->channel_source = c->channel_source;
	dc->publish_port = htons(c->publish_port);
	dc->channel_port = htons(c->channel_port);
	dc->channel_hop_limit = c->channel_hop_limit;
	dc->publish_interval_ns = 1000000000ULL / c->publish_rate;
	dc->publish_tolerance_ns =
		(c->publish_burst - 1) * dc->publish_interval_ns;
}

/*
 * Everything routed into the overlay: the prefixes remote RPs serve,
 * configured or learned, so that pim6d's RPF for their sources points at
 * rpd, and this RP's own channel source, so that publications reach the
 * overlay's egress program.
 */
static int sync_overlay_routes(const struct rpd *r)
{
	const struct rpd_conf *c = &r->conf;
	const struct remote_rp *rp;
	struct prefix6 *all;
	unsigned n = 0;
	int rc;

	mesh_each_rp (&r->mesh, rp)
		n += rp->n_prefixes;
	all = calloc(n + 1, sizeof(*all));
	if (!all)
		return -1;
	n = 0;
	mesh_each_rp (&r->mesh, rp)
		for (unsigned j = 0; j < rp->n_prefixes; j++)
			all[n++] = rp->prefixes[j];
	if (c->has_channel_source)
		all[n++] = (struct prefix6){ c->channel_source, 128 };
	rc = nl_routes_sync(r->overlay.ifindex, &c->overlay_addr, all, n);
	free(all);
	return rc;
}

/* Written once rpd is up, so that its presence means rpd is serving. */
static int write_pid_file(const char *path)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "we");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		log_err("pid file %s: %m", path);
		return -1;
	}
	return 0;
}

/* What the RP needs whatever its configuration. */
static int init_process(struct rpd *r)
{
	return nl_init() || loop_init(&r->loop) || watch_signals(r) ? -1 : 0;
}

static void fini_process(struct rpd *r)
{
	loop_fini(&r->loop);
	nl_fini();
	if (r->sigfd >= 0)
		close(r->sigfd);
}

/* NETCONF get: the running configuration's RP, as it runs. */
static int add_state(void *arg, struct lyd_node **tree, struct ds_error *err)
{
	struct rpd *r = arg;
	struct state_source src = { &r->conf,	  &r->dp,	&r->channels,
				    &r->mesh,	  &r->gateways, &r->census,
				    &r->directory };

	return r->up ? state_add(&src, r->ctx, tree, err) : 0;
}

/* NETCONF clear-counters: every counter of the RP, or one remote RP's. */
static int clear_counters(void *arg, const struct lyd_node *action,
			  struct ds_error *err)
{
	struct rpd *r = arg;
	struct lyd_node *inst = NULL, *name = NULL;
	struct remote_rp *rp;
	int rc = 0;

	if (strcmp(action->schema->name, "clear-counters"))
		return ds_fail(err, "operation-not-supported", NULL,
			       "rpd has no action %s", action->schema->name);
	/* The action's parents: mdcs, then its control-plane-protocol. */
	lyd_find_path(lyd_parent(lyd_parent(action)), "name", 0, &inst);
	if (!r->up || !inst || strcmp(lyd_get_value(inst), r->conf.instance))
		return ds_fail(err, "invalid-value", NULL,
			       "RP %s is not running here",
			       inst ? lyd_get_value(inst) : "?");
	if (!lyd_find_path(action, "remote-rp", 0, &name)) {
		int at = conf_remote_index(&r->conf, lyd_get_value(name));

		rp = at >= 0 ? &r->mesh.rps[at] : NULL;
		if (!rp || datapath_clear_rp_stats(&r->dp, rp->slot))
			return ds_fail(err, "operation-failed", NULL,
				       "the counters of %s were not cleared",
				       lyd_get_value(name));
		log_notice("counters of remote RP %s cleared", rp->name);
		return 0;
	}
	mesh_clear_stats(&r->mesh);
	rc |= datapath_clear_counters(&r->dp);
	mesh_each_rp (&r->mesh, rp)
		rc |= datapath_clear_rp_stats(&r->dp, rp->slot);
	rc |= channels_clear_stats(&r->channels);
	if (rc)
		return ds_fail(err, "operation-failed", NULL,
			       "not every counter was cleared");
	log_notice("counters cleared");
	return 0;
}

/* Send a notification built by state.c (NULL if it could not be). */
static void notify(struct rpd *r, struct lyd_node *notif)
{
	if (notif)
		netconf_notify(&r->netconf, notif);
	lyd_free_all(notif);
}

static void subscription_changed(void *arg,
				 const struct channel_subscription *s,
				 enum channel_event ev)
{
	struct rpd *r = arg;

	notify(r, state_subscription_change(r->ctx, r->conf.instance, s, ev));
}

static void rp_status_changed(void *arg, const struct remote_rp *rp)
{
	struct rpd *r = arg;

	notify(r, state_rp_status_change(r->ctx, r->conf.instance, rp));
}

static void rps_changed(void *arg)
{
	struct rpd *r = arg;

	if (sync_overlay_routes(r))
		log_warn("overlay: routes to the remote RPs' sources not "
			 "updated");
}

/*
 * Take down whatever start_rp() brought up, in reverse order.  With
 * withdraw, everything installed goes too: subscriptions, routes, BPF
 * programs and maps, the overlay link.  Without, they stay for the next
 * start_rp() to take over, as after a crash; with keep_programs as well,
 * rpd keeps the loaded programs open for it, which spares it the kernel's
 * verification of them.
 */
static void stop_rp(struct rpd *r, bool withdraw, bool keep_programs)
{
	directory_stop(&r->directory);
	census_stop(&r->census);
	gateways_stop(&r->gateways);
	if (r->channels.loop)
		channels_stop(&r->channels, withdraw);
	if (r->pim.loop)
		pimlink_stop(&r->pim, withdraw);
	mesh_close(&r->mesh);
	if (withdraw)
		relay_fini(&r->mesh.relay);
	if (withdraw && r->overlay.ifindex)
		nl_routes_sync(r->overlay.ifindex, &r->conf.overlay_addr, NULL,
			       0);
	if (r->dp.encap && !keep_programs) {
		datapath_close(&r->dp, withdraw);
		memset(&r->dp, 0, sizeof(r->dp));
	}
	overlay_close(&r->overlay, withdraw);
	sodium_memzero(&r->id, sizeof(r->id));
	memset(&r->channels, 0, sizeof(r->channels));
	memset(&r->pim, 0, sizeof(r->pim));
	memset(&r->overlay, 0, sizeof(r->overlay));
	r->overlay.fd = -1;
	r->up = false;
}

/* Bring the RP up on r->conf in dependency order, with the programs kept
 * open by stop_rp() if any; on failure, take down what came up, leaving
 * what an earlier RP installed. */
static void relay_input(void *arg, const struct sockaddr_in6 *from,
			const uint8_t *buf, size_t len)
{
	struct rpd *r = arg;

	gateways_input(&r->gateways, from, buf, len);
}

/* The directory's other entries: the channel sources of the remote RPs
 * that told theirs. */
static size_t remote_channel_sources(void *arg, struct in6_addr *out,
				     size_t max)
{
	struct rpd *r = arg;
	struct remote_rp *rp;
	size_t n = 0;

	mesh_each_rp (&r->mesh, rp)
		if (n < max && !IN6_IS_ADDR_UNSPECIFIED(&rp->channel_source))
			out[n++] = rp->channel_source;
	return n;
}

static int start_rp(struct rpd *r)
{
	const struct rpd_conf *c = &r->conf;
	char addr[INET6_ADDRSTRLEN], pins[256];
	struct mdcs_dp_config dc;
	int uplink = nl_link_index(c->uplink);

	if (!uplink) {
		log_err("uplink interface %s does not exist", c->uplink);
		return -1;
	}
	if (identity_load(c->key_file, &r->id) ||
	    (!r->dp.encap &&
	     (datapath_pin_dir(c->instance, pins, sizeof(pins)) ||
	      datapath_open(&r->dp, pins))) ||
	    overlay_open(&r->overlay, c->overlay, c->inner_mtu))
		goto failed;
	fill_dp_config(c, r->overlay.ifindex, &dc);
	if (datapath_set_config(&r->dp, &dc) ||
	    datapath_set_publishers(&r->dp, c->publishers, c->n_publishers) ||
	    datapath_attach(&r->dp, r->overlay.ifindex, uplink))
		goto failed;
	if (channels_init(&r->channels, &r->loop, c, &r->dp, &r->pim, &r->mesh,
			  &r->gateways) ||
	    mesh_open(&r->mesh, &r->loop, c, &r->id, &r->dp, &channels_mesh_ops,
		      &r->channels) ||
	    gateways_start(&r->gateways, &r->loop, c, &r->dp, &r->channels,
			   r->mesh.sock) ||
	    census_start(&r->census, &r->loop, c, MDCS_ANNOUNCE_PORT) ||
	    directory_start(&r->directory, &r->loop, c, MDCS_DIRECTORY_PORT,
			    remote_channel_sources, r) ||
	    sync_overlay_routes(r) ||
	    pimlink_start(&r->pim, &r->loop, &r->overlay, &c->overlay_addr,
			  c->hello_interval, &channels_pim_ops, &r->channels))
		goto failed;
	r->channels.on_event = subscription_changed;
	r->channels.event_arg = r;
	r->mesh.on_status = rp_status_changed;
	r->mesh.status_arg = r;
	r->mesh.on_change = rps_changed;
	r->mesh.change_arg = r;
	r->mesh.on_amt = relay_input;
	r->mesh.amt_arg = r;
	if (channels_start(&r->channels))
		goto failed;
	r->up = true;
	log_notice("RP %s up: tunnel [%s]:%u, uplink %s, overlay %s, "
		   "%u remote RPs",
		   c->instance, addr6_str(&c->tunnel_addr, addr),
		   c->tunnel_port, c->uplink, c->overlay, c->n_remotes);
	return 0;

failed:
	stop_rp(r, false, false);
	return -1;
}

/*
 * The running datastore's hook: run the RP on config.  A new configuration
 * for the same instance, overlay and uplink takes over the installed state
 * as a restarted rpd would; any other replaces it.
 */
static int apply_config(void *arg, const struct lyd_node *config,
			const struct lyd_node *diff, struct ds_error *err)
{
	struct rpd *r = arg;
	struct rpd_conf next, prev;
	bool same_place = false;

	(void)diff;
	err->path[0] = '\0';
	switch (conf_from_tree(config, &next, err->message,
			       sizeof(err->message))) {
	case -1:
		err->tag = "invalid-value";
		return -1;
	case 1:
		if (r->up)
			log_notice("RP %s removed: no mdcs instance is "
				   "configured",
				   r->conf.instance);
		stop_rp(r, true, false);
		conf_free(&r->conf);
		memset(&r->conf, 0, sizeof(r->conf));
		return 0;
	}
	if (r->up) {
		same_place = !strcmp(next.instance, r->conf.instance) &&
			     !strcmp(next.overlay, r->conf.overlay) &&
			     !strcmp(next.uplink, r->conf.uplink);
		stop_rp(r, !same_place, same_place);
	}
	prev = r->conf;
	r->conf = next;
	if (start_rp(r)) {
		conf_free(&prev);
		err->tag = "operation-failed";
		snprintf(err->message, sizeof(err->message),
			 "RP %s did not start with this configuration; "
			 "rpd's log says why",
			 next.instance);
		return -1;
	}
	if (same_place)
		channels_unmap(&r->channels, &prev);
	conf_free(&prev);
	return 0;
}

/* One of the NETCONF options; -1 after saying what is wrong with it. */
static int netconf_option(struct netconf_conf *nc, int opt, char *arg)
{
	struct netconf_user *u = &nc->users[nc->n_users];
	char *colon, *end;
	unsigned long port;

	switch (opt) {
	case 'S':
		nc->unix_path = arg;
		return 0;
	case 'a':
		nc->ssh_address = arg;
		return 0;
	case 'k':
		nc->host_key = arg;
		return 0;
	case 'P':
		port = strtoul(arg, &end, 10);
		if (*end || port == 0 || port > 65535)
			break;
		nc->ssh_port = (uint16_t)port;
		return 0;
	default:
		colon = strchr(arg, ':');
		if (!colon || colon == arg || !colon[1] ||
		    nc->n_users == NETCONF_MAX_USERS)
			break;
		*colon = '\0';
		u->name = arg;
		u->pubkey_file = colon + 1;
		nc->n_users++;
		return 0;
	}
	fprintf(stderr, "rpd: -%c %s: %s\n", opt, arg,
		opt == 'P' ? "not a port number"
			   : "expected NAME:PUBKEY_FILE (at most 16 users)");
	return -1;
}

/* NETCONF and the CLI socket, each if asked for. */
static int serve(struct rpd *r, const struct netconf_conf *nc,
		 const char *cli_path, gid_t cli_group)
{
	r->ncops.ds = &r->ds;
	r->ncops.hooks = (struct ncops_hooks){ .state = add_state,
					       .action = clear_counters,
					       .arg = r };
	if (cli_path && cli_socket_open(&r->cli, &r->loop, cli_path, cli_group,
					cliops_answer, &r->ncops))
		return -1;
	if (!nc->unix_path && !nc->ssh_address)
		return 0;
	if (netconf_start(&r->netconf, nc, r->ctx, &r->loop, &r->ncops)) {
		log_err("the NETCONF server did not start");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "running", required_argument, NULL, 'r' },
		{ "yang", required_argument, NULL, 'y' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "syslog", no_argument, NULL, 's' },
		{ "keygen", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "netconf-socket", required_argument, NULL, 'S' },
		{ "ssh-address", required_argument, NULL, 'a' },
		{ "ssh-port", required_argument, NULL, 'P' },
		{ "host-key", required_argument, NULL, 'k' },
		{ "user", required_argument, NULL, 'u' },
		{ "cli-socket", required_argument, NULL, 'C' },
		{ "cli-group", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	static const char shortopts[] = "c:r:y:p:dsg:hS:a:P:k:u:C:G:";
	struct netconf_conf nconf = { .ssh_port = 830 };
	const char *config = NULL, *yang = RPD_YANG_PATH, *pid_file = NULL;
	const char *cli_path = NULL;
	gid_t cli_group = (gid_t)-1;
	const struct group *gr;
	char *running = NULL;
	struct rpd r = { .sigfd = -1,
			 .overlay = { .fd = -1 },
			 .mesh = { .sock = -1 },
			 .loop = { .epfd = -1 } };
	bool debug = false, to_syslog = false;
	struct ds_error err = { 0 };
	int opt, rc = EXIT_FAILURE;

	while ((opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			free(running);
			running = strdup(optarg);
			break;
		case 'y':
			yang = optarg;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 's':
			to_syslog = true;
			break;
		case 'g':
			return identity_generate(optarg) ? EXIT_FAILURE
							 : EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'C':
			cli_path = optarg;
			break;
		case 'G':
			gr = getgrnam(optarg);
			if (!gr) {
				fprintf(stderr, "rpd: -G %s: no such group\n",
					optarg);
				return EXIT_FAILURE;
			}
			cli_group = gr->gr_gid;
			break;
		case 'S':
		case 'a':
		case 'P':
		case 'k':
		case 'u':
			if (netconf_option(&nconf, opt, optarg))
				return EXIT_FAILURE;
			break;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if ((!config && !running) || optind != argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	if (nconf.ssh_address && (!nconf.host_key || !nconf.n_users)) {
		fprintf(stderr, "rpd: NETCONF over SSH needs --host-key and "
				"at least one --user\n");
		return EXIT_FAILURE;
	}
	log_init("rpd", debug ? LOG_DEBUG : LOG_INFO, to_syslog);
	if (config && access(config, R_OK)) {
		log_err("%s: %m", config);
		free(running);
		return EXIT_FAILURE;
	}
	if (!running && config) {
		size_t len = strlen(config) + sizeof(".running");

		running = malloc(len);
		if (running)
			snprintf(running, len, "%s.running", config);
	}
	if (!running ||
	    conf_context(yang, &r.ctx, err.message, sizeof(err.message)) ||
	    netconf_load_modules(r.ctx, err.message, sizeof(err.message))) {
		log_err("%s", running ? err.message : "out of memory");
		free(running);
		return EXIT_FAILURE;
	}
	if (init_process(&r) == 0 &&
	    ds_open(&r.ds, r.ctx, running, config, apply_config, &r, &err)) {
		log_err("configuration: %s%s%s", err.message,
			err.path[0] ? " at " : "", err.path);
	} else if (serve(&r, &nconf, cli_path, cli_group) == 0 &&
		   write_pid_file(pid_file) == 0 && loop_run(&r.loop) == 0) {
		rc = EXIT_SUCCESS;
	}
	netconf_stop(&r.netconf);
	cli_socket_close(&r.cli);
	stop_rp(&r, true, false);
	mesh_free(&r.mesh);
	fini_process(&r);
	if (pid_file)
		unlink(pid_file);
	ds_close(&r.ds);
	conf_free(&r.conf);
	ly_ctx_destroy(r.ctx);
	free(running);
	return rc;
}
