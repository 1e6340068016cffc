/* pim6d module: the mdcs commands in vtysh, forwarded to rpd's CLI socket. */
#include <zebra.h>
#include <poll.h>
#include <sys/un.h>

#include "command.h"
#include "frrstr.h"
#include "json.h"
#include "libfrr.h"
#include "log.h"
#include "memory.h"
#include "module.h"
#include "monotime.h"
#include "thread.h"
#include "vector.h"
#include "vty.h"
#include "lib/version.h"

/* The project's include/proto/cli.h, which build-frr.sh puts beside this
 * file in FRR's tree. */
#include "proto/cli.h"

DEFINE_MTYPE_STATIC(LIB, MDCS, "mdcs configuration text");

#define MDCS_DEFAULT_PATH "/var/run/mdcs/cli.sock"
#define MDCS_DEADLINE	  10 /* seconds for one request and its reply */

/* Failed exchanges: whether rpd may have acted on the request matters. */
#define MDCS_UNSENT   -1
#define MDCS_NO_REPLY -2

static struct thread_master *mdcs_master;
static const char *mdcs_path;
static int mdcs_fd = -1;
static int mdcs_err;	/* errno of the last failure, for the messages */
static int mdcs_logged; /* the connect error last logged: log changes only */
static struct thread *mdcs_t_connect, *mdcs_t_read;
static int (*mdcs_host_config_write)(struct vty *vty);

/*
 * rpd's configuration as last seen, so that `show running-config` has it
 * while rpd is away and a restarted rpd that lost it can get it back.
 */
static char *mdcs_cache;
/* A config file load not yet sent to rpd. */
static char *mdcs_pending;
/*
 * Whether it replaces rpd's whole configuration: the first load after
 * pim6d starts is its configuration (frr.conf at start-up or after a
 * restart by watchfrr); a later one (vtysh -f, frr-reload) adds to it.
 */
static bool mdcs_pending_replaces;
static bool mdcs_loaded;
/* Lines of the config file being loaded now. */
static char *mdcs_collect;
/* pim6d reads its own config file without XFRR_start_configuration. */
static bool mdcs_reading;

static void mdcs_connect(struct thread *t);

/* While disconnected, pim6d tries again every second. */
static void mdcs_disconnect(void)
{
	THREAD_OFF(mdcs_t_read);
	close(mdcs_fd);
	mdcs_fd = -1;
	thread_add_timer(mdcs_master, mdcs_connect, NULL, 1, &mdcs_t_connect);
}

/* rpd never speaks unasked: input on the idle connection is its end. */
static void mdcs_lost(struct thread *t)
{
	zlog_warn("mdcs: rpd on %s went away", mdcs_path);
	mdcs_disconnect();
}

/*
 * One request and its reply. pim6d blocks meanwhile, so rpd gets at most
 * MDCS_DEADLINE seconds; a connection that failed or timed out mid-way has
 * lost its framing and is dropped. Returns the reply's status with its text
 * in *text, or MDCS_UNSENT / MDCS_NO_REPLY with mdcs_err set.
 */
static int mdcs_exchange(const char *verb, const char *body, char **text)
{
	size_t vlen = strlen(verb), len = vlen + strlen(body) + 2;
	size_t sent = 0, got = 0, size = 4096;
	char *req = XMALLOC(MTYPE_MDCS, len);
	char *buf = XMALLOC(MTYPE_MDCS, size);
	struct pollfd pfd = { .fd = mdcs_fd };
	struct timeval deadline;
	ssize_t end = -1, n;
	int64_t left;

	memcpy(req, verb, vlen);
	req[vlen] = '\n';
	memcpy(req + vlen + 1, body, len - vlen - 1);
	monotime(&deadline);
	deadline.tv_sec += MDCS_DEADLINE;

	while (end < 0 || got < (size_t)end + 2) {
		left = monotime_until(&deadline, NULL);
		if (left <= 0) {
			errno = ETIMEDOUT;
			break;
		}
		pfd.events = sent < len ? POLLOUT : POLLIN;
		n = poll(&pfd, 1, (left + 999) / 1000);
		if (n <= 0) {
			if (n < 0 && errno != EINTR)
				break;
			continue;
		}
		if (sent < len) {
			n = send(mdcs_fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
			sent += MAX(n, 0);
			continue;
		}
		if (got == size)
			buf = XREALLOC(MTYPE_MDCS, buf, size *= 2);
		n = recv(mdcs_fd, buf + got, size - got, 0);
		if (n == 0)
			errno = ECONNRESET;
		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			break;
		}
		if (end < 0) {
			char *nul = memchr(buf + got, '\0', n);

			end = nul ? nul - buf : -1;
		}
		got += n;
	}
	XFREE(MTYPE_MDCS, req);
	if (end >= 0 && got >= (size_t)end + 2) {
		/* One reply a request: more bytes mean the stream is astray. */
		if (got == (size_t)end + 2) {
			*text = buf;
			return (unsigned char)buf[end + 1];
		}
		errno = EPROTO;
	}
	mdcs_err = errno;
	zlog_warn("mdcs: %s request to rpd on %s failed: %s", verb, mdcs_path,
		  safe_strerror(mdcs_err));
	XFREE(MTYPE_MDCS, buf);
	mdcs_disconnect();
	return sent < len ? MDCS_UNSENT : MDCS_NO_REPLY;
}

/* rpd's answer to `config` becomes the cache. */
static int mdcs_adopt(int ret, char *text)
{
	if (ret == MDCS_CLI_DONE || ret == MDCS_CLI_UNCONFIGURED)
		XFREE(MTYPE_MDCS, mdcs_cache);
	if (ret == MDCS_CLI_DONE) {
		mdcs_cache = text;
	} else if (ret > 0) {
		if (ret != MDCS_CLI_UNCONFIGURED)
			zlog_err("mdcs: rpd did not give its configuration: %s",
				 text);
		XFREE(MTYPE_MDCS, text);
	}
	return ret;
}

static int mdcs_refresh(void)
{
	char *text = NULL;
	int ret = mdcs_exchange(MDCS_CLI_CONFIG, "", &text);

	return mdcs_adopt(ret, text);
}

/* The pending lines go to rpd as one transaction, or stay pending. */
static int mdcs_load(void)
{
	char *text;
	int ret = mdcs_exchange(mdcs_pending_replaces ? MDCS_CLI_LOAD
						      : MDCS_CLI_APPLY,
				mdcs_pending, &text);

	if (ret < 0)
		return ret;
	if (ret > 0)
		zlog_err("mdcs: rpd refused the loaded configuration: %s",
			 text);
	XFREE(MTYPE_MDCS, text);
	XFREE(MTYPE_MDCS, mdcs_pending);
	/* What rpd renders is what it took, or what it kept on a refusal. */
	return mdcs_refresh();
}

/*
 * A new connection: a pending file load goes first. Otherwise rpd's
 * configuration is the truth, unless rpd says it never had one while pim6d
 * remembers one: then rpd lost it (restarted without its datastore) and
 * gets it back. An rpd emptied on purpose says so, and stays empty.
 */
static int mdcs_sync(void)
{
	char *text = NULL;
	bool none;
	int ret;

	if (mdcs_pending)
		return mdcs_load();
	ret = mdcs_exchange(MDCS_CLI_CONFIG, "", &text);
	none = ret == MDCS_CLI_UNCONFIGURED;
	if (!none || !mdcs_cache || !*mdcs_cache)
		return mdcs_adopt(ret, text);
	zlog_warn(
		"mdcs: rpd on %s has no configuration; sending it the last one it had",
		mdcs_path);
	XFREE(MTYPE_MDCS, text);
	mdcs_pending = mdcs_cache;
	mdcs_pending_replaces = true;
	mdcs_cache = NULL;
	return mdcs_load();
}

/* Leaves either a synced connection or a retry a second later. */
static void mdcs_connect(struct thread *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	strlcpy(sun.sun_path, mdcs_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* AF_UNIX connects at once or fails: there is no EINPROGRESS. */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		mdcs_err = errno;
		if (fd >= 0)
			close(fd);
		if (mdcs_err != mdcs_logged)
			zlog_info("mdcs: rpd is not reachable on %s: %s",
				  mdcs_path, safe_strerror(mdcs_err));
		mdcs_logged = mdcs_err;
		thread_add_timer(mdcs_master, mdcs_connect, NULL, 1,
				 &mdcs_t_connect);
		return;
	}
	THREAD_OFF(mdcs_t_connect);
	mdcs_fd = fd;
	mdcs_logged = 0;
	zlog_info("mdcs: connected to rpd on %s", mdcs_path);
	thread_add_read(mdcs_master, mdcs_lost, NULL, fd, &mdcs_t_read);
	mdcs_sync();
}

static bool mdcs_ready(void)
{
	struct pollfd pfd = { .fd = mdcs_fd, .events = POLLIN };

	/* rpd may have gone before its read event ran. */
	if (mdcs_fd >= 0 && poll(&pfd, 1, 0) > 0)
		mdcs_lost(NULL);
	if (mdcs_fd < 0)
		mdcs_connect(NULL);
	return mdcs_fd >= 0;
}

static int mdcs_request(const char *verb, const char *body, char **text)
{
	return mdcs_ready() ? mdcs_exchange(verb, body, text) : MDCS_UNSENT;
}

/* The command as rpd parses it: keywords whole, however abbreviated. */
static char *mdcs_line(int argc, struct cmd_token *argv[])
{
	const char *word[argc];

	for (int i = 0; i < argc; i++)
		word[i] = argv[i]->type == WORD_TKN ? argv[i]->text
						    : argv[i]->arg;
	return frrstr_join(word, argc, " ");
}

static void mdcs_out_lines(struct vty *vty, const char *prefix,
			   const char *text)
{
	do {
		size_t n = strcspn(text, "\n");

		vty_out(vty, "%s%.*s\n", prefix, (int)n, text);
		text += n + (text[n] == '\n');
	} while (*text);
}

/* Append text and suffix to *buf, a string of ours (NULL: empty). */
static void mdcs_append(char **buf, const char *text, const char *suffix)
{
	size_t old = *buf ? strlen(*buf) : 0;
	size_t n = strlen(text) + strlen(suffix) + 1;

	*buf = XREALLOC(MTYPE_MDCS, *buf, old + n);
	snprintf(*buf + old, n, "%s%s", text, suffix);
}

static int mdcs_forward_config(struct vty *vty, int argc,
			       struct cmd_token *argv[])
{
	char *line = mdcs_line(argc, argv), *text;
	int ret;

	if (vty->pending_allowed || mdcs_reading) {
		mdcs_append(&mdcs_collect, line, "\n");
		XFREE(MTYPE_TMP, line);
		return CMD_SUCCESS;
	}
	ret = mdcs_request(MDCS_CLI_APPLY, line, &text);
	XFREE(MTYPE_TMP, line);
	if (ret < 0) {
		vty_out(vty,
			ret == MDCS_UNSENT
				? "%% mdcs: rpd is not reachable on %s: %s; nothing changed\n"
				: "%% mdcs: no reply from rpd on %s: %s; the change may have been made\n",
			mdcs_path, safe_strerror(mdcs_err));
		return CMD_WARNING_CONFIG_FAILED;
	}
	if (ret == MDCS_CLI_DONE) {
		XFREE(MTYPE_MDCS, text);
		mdcs_refresh();
		return CMD_SUCCESS;
	}
	mdcs_out_lines(vty, "% rpd refused: ", text);
	XFREE(MTYPE_MDCS, text);
	return CMD_WARNING_CONFIG_FAILED;
}

/* show and clear: the verb is the command's first word. */
static int mdcs_forward_query(struct vty *vty, int argc,
			      struct cmd_token *argv[])
{
	char *line = mdcs_line(argc, argv), *text;
	int ret = mdcs_request(argv[0]->text, line, &text);

	XFREE(MTYPE_TMP, line);
	if (ret < 0) {
		vty_out(vty, "%% mdcs: rpd is not reachable on %s: %s\n",
			mdcs_path, safe_strerror(mdcs_err));
		return CMD_WARNING;
	}
	if (ret == MDCS_CLI_DONE)
		vty_out(vty, "%s", text);
	else
		mdcs_out_lines(vty, "% ", text);
	XFREE(MTYPE_MDCS, text);
	return ret == MDCS_CLI_DONE ? CMD_SUCCESS : CMD_WARNING;
}

/* XFRR_end_configuration, or the end of pim6d's own config file. */
static void mdcs_file_end(void)
{
	bool first = !mdcs_loaded;

	mdcs_loaded = true;
	if (!mdcs_collect)
		return;
	/* Loads while rpd is away add up; the first decides whether they
	 * replace rpd's configuration. */
	if (!mdcs_pending)
		mdcs_pending_replaces = first;
	mdcs_append(&mdcs_pending, mdcs_collect, "");
	XFREE(MTYPE_MDCS, mdcs_collect);
	/* A new connection sends the pending lines itself. */
	if (mdcs_ready() && mdcs_pending)
		mdcs_load();
	if (mdcs_pending)
		zlog_warn(
			"mdcs: rpd is not reachable on %s; the loaded configuration goes to it when it is",
			mdcs_path);
}

#ifndef VTYSH_EXTRACT_PL
#include "pimd/pim6_mdcs_clippy.c"
#endif

/* Help strings go token by token, one a line, which clang-format undoes. */
/* clang-format off */
#define MDCS_STR "mdcs replication point (rpd)\n"
#define MDCS_RP_STR "This RP\n" "Name of this RP\n"
#define MDCS_VALUE_STR "Current value (optional)\n"
#define MDCS_PREFIX_STR "IPv6 prefix\n"

#define MDCS_RP_TUNNEL_ADDRESS_STR "Address remote RPs reach this RP at\n"
#define MDCS_RP_TUNNEL_PORT_STR "UDP port of the tunnel and control protocol\n"
#define MDCS_RP_UPLINK_STR "Interface tunnelled packets arrive on\n"
#define MDCS_RP_OVERLAY_STR "Overlay link rpd creates for pim6d\n"
#define MDCS_RP_OVERLAY_ADDRESS_STR "Link-local address of rpd on the overlay link\n"
#define MDCS_RP_KEY_FILE_STR "File holding this RP's Ed25519 seed\n"
#define MDCS_RP_SOURCE_PREFIX_STR "Source prefix this RP serves\n"
#define MDCS_RP_HOP_LIMIT_STR "Hop limit of tunnelled packets\n"
#define MDCS_RP_TRAFFIC_CLASS_STR "Traffic class of tunnelled packets\n"
#define MDCS_RP_INNER_MTU_STR "Largest channel packet tunnelled\n"

DEFPY(mdcs_rp, mdcs_rp_cmd,
      "mdcs rp NAME {tunnel-address X:X::X:X|tunnel-port (1-65535)|uplink-interface IFNAME|overlay-interface IFNAME|overlay-address X:X::X:X|private-key-file FILE|source-prefix X:X::X:X/M|hop-limit (1-255)|traffic-class (0-255)|inner-mtu (1280-9000)}",
      MDCS_STR MDCS_RP_STR
      MDCS_RP_TUNNEL_ADDRESS_STR "IPv6 address\n"
      MDCS_RP_TUNNEL_PORT_STR "Port\n"
      MDCS_RP_UPLINK_STR "Interface name\n"
      MDCS_RP_OVERLAY_STR "Interface name\n"
      MDCS_RP_OVERLAY_ADDRESS_STR "IPv6 link-local address\n"
      MDCS_RP_KEY_FILE_STR "File name\n"
      MDCS_RP_SOURCE_PREFIX_STR MDCS_PREFIX_STR
      MDCS_RP_HOP_LIMIT_STR "Hop limit\n"
      MDCS_RP_TRAFFIC_CLASS_STR "Traffic class\n"
      MDCS_RP_INNER_MTU_STR "MTU in octets\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_rp_no, mdcs_rp_no_cmd,
      "no mdcs rp NAME [<tunnel-address|tunnel-port|uplink-interface|overlay-interface|overlay-address|private-key-file|hop-limit|traffic-class|inner-mtu> [WORD]]",
      NO_STR MDCS_STR MDCS_RP_STR
      MDCS_RP_TUNNEL_ADDRESS_STR
      MDCS_RP_TUNNEL_PORT_STR
      MDCS_RP_UPLINK_STR
      MDCS_RP_OVERLAY_STR
      MDCS_RP_OVERLAY_ADDRESS_STR
      MDCS_RP_KEY_FILE_STR
      MDCS_RP_HOP_LIMIT_STR
      MDCS_RP_TRAFFIC_CLASS_STR
      MDCS_RP_INNER_MTU_STR
      MDCS_VALUE_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_rp_no_prefix, mdcs_rp_no_prefix_cmd,
      "no mdcs rp NAME source-prefix X:X::X:X/M",
      NO_STR MDCS_STR MDCS_RP_STR
      MDCS_RP_SOURCE_PREFIX_STR MDCS_PREFIX_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

#define MDCS_PUB_STR "Publishing through this RP\n"
#define MDCS_PUB_SOURCE_STR "Source address of this RP's own channels\n"
#define MDCS_PUB_PORT_STR "UDP port that takes publications\n"
#define MDCS_PUB_CHANNEL_PORT_STR "UDP destination port of the channel packets\n"
#define MDCS_PUB_HOP_LIMIT_STR "Hop limit of the channel packets\n"
#define MDCS_PUB_ALLOWED_STR "Sources that may publish\n"
#define MDCS_PUB_RATE_STR "Publications taken from each publisher per second\n"
#define MDCS_PUB_BURST_STR "Publications taken at once from a quiet publisher\n"

DEFPY(mdcs_publishing, mdcs_publishing_cmd,
      "mdcs publishing {channel-source-address X:X::X:X|publish-port (1-65535)|channel-port (1-65535)|hop-limit (1-255)|allowed-prefix X:X::X:X/M|rate (1-1000000)|burst (1-1000000)}",
      MDCS_STR MDCS_PUB_STR
      MDCS_PUB_SOURCE_STR "IPv6 address\n"
      MDCS_PUB_PORT_STR "Port\n"
      MDCS_PUB_CHANNEL_PORT_STR "Port\n"
      MDCS_PUB_HOP_LIMIT_STR "Hop limit\n"
      MDCS_PUB_ALLOWED_STR MDCS_PREFIX_STR
      MDCS_PUB_RATE_STR "Publications\n"
      MDCS_PUB_BURST_STR "Publications\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_publishing_no, mdcs_publishing_no_cmd,
      "no mdcs publishing [<channel-source-address|publish-port|channel-port|hop-limit|rate|burst> [WORD]]",
      NO_STR MDCS_STR MDCS_PUB_STR
      MDCS_PUB_SOURCE_STR
      MDCS_PUB_PORT_STR
      MDCS_PUB_CHANNEL_PORT_STR
      MDCS_PUB_HOP_LIMIT_STR
      MDCS_PUB_RATE_STR
      MDCS_PUB_BURST_STR
      MDCS_VALUE_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_publishing_no_prefix, mdcs_publishing_no_prefix_cmd,
      "no mdcs publishing allowed-prefix X:X::X:X/M",
      NO_STR MDCS_STR MDCS_PUB_STR
      MDCS_PUB_ALLOWED_STR MDCS_PREFIX_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

#define MDCS_TIMERS_STR "Protocol timers\n"
#define MDCS_TIMERS_HELLO_STR "Interval between PIM Hellos to pim6d\n"
#define MDCS_TIMERS_JP_STR "Interval between PIM Join refreshes to pim6d\n"
#define MDCS_TIMERS_REFRESH_STR "Interval between subscription refreshes\n"
#define MDCS_TIMERS_HOLD_STR "How long remote RPs keep a subscription\n"
#define MDCS_TIMERS_SKEW_STR "Largest clock difference of control messages\n"

DEFPY(mdcs_timers, mdcs_timers_cmd,
      "mdcs timers {hello-interval (1-3600)|join-prune-interval (1-3600)|subscription-refresh (1-3600)|subscription-hold (2-65535)|max-clock-skew (1-3600)}",
      MDCS_STR MDCS_TIMERS_STR
      MDCS_TIMERS_HELLO_STR "Seconds\n"
      MDCS_TIMERS_JP_STR "Seconds\n"
      MDCS_TIMERS_REFRESH_STR "Seconds\n"
      MDCS_TIMERS_HOLD_STR "Seconds\n"
      MDCS_TIMERS_SKEW_STR "Seconds\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_timers_no, mdcs_timers_no_cmd,
      "no mdcs timers [<hello-interval|join-prune-interval|subscription-refresh|subscription-hold|max-clock-skew> [WORD]]",
      NO_STR MDCS_STR MDCS_TIMERS_STR
      MDCS_TIMERS_HELLO_STR
      MDCS_TIMERS_JP_STR
      MDCS_TIMERS_REFRESH_STR
      MDCS_TIMERS_HOLD_STR
      MDCS_TIMERS_SKEW_STR
      MDCS_VALUE_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

#define MDCS_MEMBERSHIP_STR "The RP mesh learnt by gossip\n"
#define MDCS_MEMBERSHIP_VIEW_STR "RPs in the partial view\n"
#define MDCS_MEMBERSHIP_SHUFFLE_STR "RPs exchanged per shuffle\n"
#define MDCS_MEMBERSHIP_INTERVAL_STR "Interval between shuffles\n"
#define MDCS_MEMBERSHIP_KEEPALIVE_STR "Interval between keepalives\n"

DEFPY(mdcs_membership, mdcs_membership_cmd,
      "mdcs membership {view-size (4-64)|shuffle-length (1-32)|shuffle-interval (1-3600)|keepalive-interval (1-25)}",
      MDCS_STR MDCS_MEMBERSHIP_STR
      MDCS_MEMBERSHIP_VIEW_STR "RPs\n"
      MDCS_MEMBERSHIP_SHUFFLE_STR "RPs\n"
      MDCS_MEMBERSHIP_INTERVAL_STR "Seconds\n"
      MDCS_MEMBERSHIP_KEEPALIVE_STR "Seconds\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_membership_no, mdcs_membership_no_cmd,
      "no mdcs membership [<view-size|shuffle-length|shuffle-interval|keepalive-interval> [WORD]]",
      NO_STR MDCS_STR MDCS_MEMBERSHIP_STR
      MDCS_MEMBERSHIP_VIEW_STR
      MDCS_MEMBERSHIP_SHUFFLE_STR
      MDCS_MEMBERSHIP_INTERVAL_STR
      MDCS_MEMBERSHIP_KEEPALIVE_STR
      MDCS_VALUE_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

#define MDCS_REMOTE_STR "A remote RP\n" "Name of the remote RP\n"
#define MDCS_REMOTE_ADDRESS_STR "Tunnel address of the remote RP\n"
#define MDCS_REMOTE_PORT_STR "Tunnel port of the remote RP\n"
#define MDCS_REMOTE_KEY_STR "Ed25519 public key of the remote RP\n"
#define MDCS_REMOTE_PREFIX_STR "Source prefix the remote RP serves\n"

DEFPY(mdcs_remote_rp, mdcs_remote_rp_cmd,
      "mdcs remote-rp NAME {address X:X::X:X|port (1-65535)|public-key WORD|source-prefix X:X::X:X/M}",
      MDCS_STR MDCS_REMOTE_STR
      MDCS_REMOTE_ADDRESS_STR "IPv6 address\n"
      MDCS_REMOTE_PORT_STR "Port\n"
      MDCS_REMOTE_KEY_STR "32 octets in hexadecimal\n"
      MDCS_REMOTE_PREFIX_STR MDCS_PREFIX_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_remote_rp_no, mdcs_remote_rp_no_cmd,
      "no mdcs remote-rp NAME [<address|port|public-key> [WORD]]",
      NO_STR MDCS_STR MDCS_REMOTE_STR
      MDCS_REMOTE_ADDRESS_STR
      MDCS_REMOTE_PORT_STR
      MDCS_REMOTE_KEY_STR
      MDCS_VALUE_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_remote_rp_no_prefix, mdcs_remote_rp_no_prefix_cmd,
      "no mdcs remote-rp NAME source-prefix X:X::X:X/M",
      NO_STR MDCS_STR MDCS_REMOTE_STR
      MDCS_REMOTE_PREFIX_STR MDCS_PREFIX_STR)
{
	return mdcs_forward_config(vty, argc, argv);
}

#define MDCS_CHANNEL_STR                                                       \
	"A channel tunnelled to remote RPs whether they subscribe or not\n"    \
	"Group of the channel\n"                                               \
	"Source of the channel\n"

DEFPY(mdcs_channel, mdcs_channel_cmd,
      "mdcs channel X:X::X:X$group X:X::X:X$source remote-rp NAME",
      MDCS_STR MDCS_CHANNEL_STR
      "Remote RP the channel is tunnelled to\n" "Name of the remote RP\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_channel_no, mdcs_channel_no_cmd,
      "no mdcs channel X:X::X:X$group X:X::X:X$source [remote-rp NAME]",
      NO_STR MDCS_STR MDCS_CHANNEL_STR
      "Remote RP the channel is no longer tunnelled to\n"
      "Name of the remote RP\n")
{
	return mdcs_forward_config(vty, argc, argv);
}

DEFPY(mdcs_show, mdcs_show_cmd,
      "show mdcs [<remote-rp|channel|subscription|tunnel|statistics|membership|peers>] [json]",
      SHOW_STR MDCS_STR
      "Remote RPs\n"
      "Channel mappings\n"
      "Subscriptions\n"
      "Tunnels\n"
      "Datapath statistics\n"
      "The RP mesh\n"
      "The peers that announce themselves\n"
      JSON_STR)
{
	return mdcs_forward_query(vty, argc, argv);
}

DEFPY(mdcs_clear, mdcs_clear_cmd,
      "clear mdcs counters [remote-rp NAME]",
      CLEAR_STR MDCS_STR
      "Traffic counters\n"
      "Only those of a remote RP\n" "Name of the remote RP\n")
{
	return mdcs_forward_query(vty, argc, argv);
}
/* clang-format on */

static int mdcs_config_write(struct vty *vty)
{
	int written = mdcs_host_config_write(vty);
	const char *lines;

	/* rpd's configuration may also change over NETCONF. */
	if (mdcs_fd >= 0)
		mdcs_refresh();
	lines = mdcs_pending ? mdcs_pending : mdcs_cache;
	if (lines && *lines) {
		vty_out(vty, "%s", lines);
		written++;
	}
	return written;
}

static int mdcs_config_pre(struct thread_master *tm)
{
	mdcs_reading = true;
	return 0;
}

static int mdcs_config_post(struct thread_master *tm)
{
	mdcs_reading = false;
	mdcs_file_end();
	return 0;
}

static int mdcs_late_init(struct thread_master *tm)
{
	struct cmd_node *node = vector_lookup(cmdvec, CONFIG_NODE);

	mdcs_master = tm;
	/* Modules cannot add nodes: the lines go out with the host's. */
	mdcs_host_config_write = node->config_write;
	node->config_write = mdcs_config_write;
	cmd_init_config_callbacks(NULL, mdcs_file_end);

	install_element(CONFIG_NODE, &mdcs_rp_cmd);
	install_element(CONFIG_NODE, &mdcs_rp_no_cmd);
	install_element(CONFIG_NODE, &mdcs_rp_no_prefix_cmd);
	install_element(CONFIG_NODE, &mdcs_publishing_cmd);
	install_element(CONFIG_NODE, &mdcs_publishing_no_cmd);
	install_element(CONFIG_NODE, &mdcs_publishing_no_prefix_cmd);
	install_element(CONFIG_NODE, &mdcs_timers_cmd);
	install_element(CONFIG_NODE, &mdcs_timers_no_cmd);
	install_element(CONFIG_NODE, &mdcs_membership_cmd);
	install_element(CONFIG_NODE, &mdcs_membership_no_cmd);
	install_element(CONFIG_NODE, &mdcs_remote_rp_cmd);
	install_element(CONFIG_NODE, &mdcs_remote_rp_no_cmd);
	install_element(CONFIG_NODE, &mdcs_remote_rp_no_prefix_cmd);
	install_element(CONFIG_NODE, &mdcs_channel_cmd);
	install_element(CONFIG_NODE, &mdcs_channel_no_cmd);
	install_element(VIEW_NODE, &mdcs_show_cmd);
	install_element(ENABLE_NODE, &mdcs_clear_cmd);

	thread_add_event(tm, mdcs_connect, NULL, 0, &mdcs_t_connect);
	return 0;
}

static int mdcs_fini(void)
{
	THREAD_OFF(mdcs_t_connect);
	THREAD_OFF(mdcs_t_read);
	if (mdcs_fd >= 0)
		close(mdcs_fd);
	mdcs_fd = -1;
	XFREE(MTYPE_MDCS, mdcs_cache);
	XFREE(MTYPE_MDCS, mdcs_pending);
	XFREE(MTYPE_MDCS, mdcs_collect);
	return 0;
}

static int mdcs_module_init(void)
{
	const char *args = THIS_MODULE->load_args;

	mdcs_path = args && *args ? args : MDCS_DEFAULT_PATH;
	if (strlen(mdcs_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		zlog_err("mdcs: socket path too long: %s", mdcs_path);
		return -1;
	}
	hook_register(frr_late_init, mdcs_late_init);
	hook_register(frr_config_pre, mdcs_config_pre);
	hook_register(frr_config_post, mdcs_config_post);
	hook_register(frr_fini, mdcs_fini);
	return 0;
}

FRR_MODULE_SETUP(.name = "pim6d_mdcs", .version = FRR_VERSION,
		 .description = "mdcs commands forwarded to rpd",
		 .init = mdcs_module_init);
