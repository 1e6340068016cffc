/* mdcsctl: rpd's YANG data over NETCONF, and an RP's datapath state read
 * from its pinned BPF maps. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "dp_abi.h"
#include "netconf.h"
#include "percpu.h"
#include "prefix.h"

#define PIN_BASE "/sys/fs/bpf/mdcs"

struct ctl {
	char root[512];
	bool json;
};

static int open_map(const struct ctl *c, const char *name)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->root, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "mdcsctl: %s: %s\n", path, strerror(errno));
	return fd;
}

/* The one instance under PIN_BASE, when none is named. */
static int find_instance(char *name, size_t len)
{
	DIR *d = opendir(PIN_BASE);
	struct dirent *e;
	int found = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && found++ == 0)
			snprintf(name, len, "%s", e->d_name);
	closedir(d);
	return found == 1 ? 0 : -1;
}

static int show_counters(const struct ctl *c)
{
	int fd = open_map(c, "counters");

	if (fd < 0)
		return 1;
	printf(c->json ? "{" : "");
	for (uint32_t k = 0; k < MDCS_CNT_MAX; k++) {
		uint64_t sum;

		if (percpu_sum(fd, k, &sum, 1))
			return 1;
		if (c->json)
			printf("%s\"%s\": %llu", k ? ", " : "",
			       mdcs_counter_names[k], (unsigned long long)sum);
		else
			printf("%-24s %llu\n", mdcs_counter_names[k],
			       (unsigned long long)sum);
	}
	printf(c->json ? "}\n" : "");
	close(fd);
	return 0;
}

static void print_channel(const struct ctl *c, const struct mdcs_channel *ch,
			  bool first)
{
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	if (c->json)
		printf("%s{\"source\": \"%s\", \"group\": \"%s\"",
		       first ? "" : ", ", addr6_str(&ch->source, s),
		       addr6_str(&ch->group, g));
	else
		printf("(%s, %s)", addr6_str(&ch->source, s),
		       addr6_str(&ch->group, g));
}

/* A channel's packets and octets, and for a channel sent its copies. */
static void print_traffic(const struct ctl *c, int stats_fd, uint32_t stats,
			  bool sent)
{
	struct mdcs_channel_traffic t = { 0 };

	percpu_sum(stats_fd, stats, (uint64_t *)&t, PERCPU_COUNTERS(t));
	printf(c->json ? ", \"packets\": %llu, \"bytes\": %llu"
		       : " %llu packets %llu bytes",
	       (unsigned long long)t.in.packets,
	       (unsigned long long)t.in.bytes);
	if (sent)
		printf(c->json ? ", \"copies\": %llu" : " %llu copies",
		       (unsigned long long)t.copies);
}

/* Channels sent, with their subscribed RP slots, and channels received,
 * with the slot of the RP that serves them; each with its traffic. */
static int show_channels(const struct ctl *c)
{
	int tx = open_map(c, "tx_channels"), rx = open_map(c, "rx_channels");
	int stats = open_map(c, "channel_stats");
	struct mdcs_channel key, *prev = NULL;
	struct mdcs_fanout *f = malloc(sizeof(*f));
	bool first = true;
	struct mdcs_rx r;

	if (tx < 0 || rx < 0 || stats < 0 || !f)
		return 1;
	printf(c->json ? "{\"sent\": [" : "sent:\n");
	while (bpf_map_get_next_key(tx, prev, &key) == 0) {
		if (bpf_map_lookup_elem(tx, &key, f) == 0) {
			printf(c->json ? "" : "  ");
			print_channel(c, &key, first);
			printf(c->json ? ", \"rp-slots\": [" : " to slots");
			for (unsigned i = 0; i < f->count; i++)
				printf(c->json ? "%s%u" : "%s %u",
				       c->json && i ? ", " : "", f->slot[i]);
			printf(c->json ? "]" : "");
			print_traffic(c, stats, f->stats, true);
			printf(c->json ? "}" : "\n");
			first = false;
		}
		prev = &key;
	}
	printf(c->json ? "], \"received\": [" : "received:\n");
	prev = NULL;
	first = true;
	while (bpf_map_get_next_key(rx, prev, &key) == 0) {
		if (bpf_map_lookup_elem(rx, &key, &r) == 0) {
			printf(c->json ? "" : "  ");
			print_channel(c, &key, first);
			printf(c->json ? ", \"rp-slot\": %u" : " from slot %u",
			       r.slot);
			print_traffic(c, stats, r.stats, false);
			printf(c->json ? "}" : "\n");
			first = false;
		}
		prev = &key;
	}
	printf(c->json ? "]}\n" : "");
	free(f);
	close(tx);
	close(rx);
	close(stats);
	return 0;
}

/* Remote RPs in use: slot, tunnel endpoint, traffic each way. */
static int show_rps(const struct ctl *c)
{
	int rps = open_map(c, "remote_rps"), stats = open_map(c, "rp_stats");
	char a[INET6_ADDRSTRLEN];
	bool first = true;

	if (rps < 0 || stats < 0)
		return 1;
	printf(c->json ? "[" : "");
	for (uint32_t slot = 0; slot < MDCS_MAX_RPS; slot++) {
		struct mdcs_rp_traffic t;
		struct mdcs_rp rp;

		if (bpf_map_lookup_elem(rps, &slot, &rp) || !rp.in_use)
			continue;
		percpu_sum(stats, slot, (uint64_t *)&t, PERCPU_COUNTERS(t));
		printf(c->json ? "%s{\"slot\": %u, \"address\": \"%s\", "
				 "\"port\": %u, \"sent-packets\": %llu, "
				 "\"sent-bytes\": %llu, \"received-packets\": "
				 "%llu, \"received-bytes\": %llu}"
			       : "%sslot %u [%s]:%u sent %llu packets %llu "
				 "bytes, received %llu packets %llu bytes\n",
		       c->json && !first ? ", " : "", slot,
		       addr6_str(&rp.addr, a), ntohs(rp.port),
		       (unsigned long long)t.tx.packets,
		       (unsigned long long)t.tx.bytes,
		       (unsigned long long)t.rx.packets,
		       (unsigned long long)t.rx.bytes);
		first = false;
	}
	printf(c->json ? "]\n" : "");
	close(rps);
	close(stats);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mdcsctl -s SOCKET get [XPATH]\n"
		"       mdcsctl -s SOCKET [-d DATASTORE] get-config [XPATH]\n"
		"       mdcsctl -s SOCKET [-d DATASTORE] edit FILE|-\n"
		"       mdcsctl -s SOCKET [-d DATASTORE] validate\n"
		"       mdcsctl -s SOCKET commit|discard\n"
		"       mdcsctl [-n INSTANCE] [-j] show counters|channels|rps\n"
		"\n"
		"  -s, --socket PATH       rpd's NETCONF UNIX socket (rpd -S)\n"
		"  -d, --datastore NAME    running (default; candidate for "
		"validate),\n"
		"                          candidate or startup\n"
		"  -n, --instance NAME     the RP instance (default: the only "
		"one)\n"
		"  -j, --json              JSON output of show\n"
		"\n"
		"get and get-config print YANG JSON; edit merges a YANG JSON "
		"file\n"
		"(- for stdin) into the datastore. show reads the datapath's "
		"BPF maps.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "instance", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "datastore", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { .json = false };
	const char *socket_path = NULL, *datastore = NULL;
	char instance[256] = "";
	int opt;

	while ((opt = getopt_long(argc, argv, "+n:js:d:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			socket_path = optarg;
			break;
		case 'd':
			datastore = optarg;
			break;
		case 'n':
			snprintf(instance, sizeof(instance), "%s", optarg);
			break;
		case 'j':
			c.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && netconf_is_command(argv[optind]))
		return netconf_command(socket_path, datastore, argc - optind,
				       argv + optind);
	if (argc - optind != 2 || strcmp(argv[optind], "show")) {
		usage(stderr);
		return 2;
	}
	if (!instance[0] && find_instance(instance, sizeof(instance))) {
		fprintf(stderr, "mdcsctl: name the instance with -n: none or "
				"several under " PIN_BASE "\n");
		return 1;
	}
	snprintf(c.root, sizeof(c.root), "%s/%s", PIN_BASE, instance);
	if (!strcmp(argv[optind + 1], "counters"))
		return show_counters(&c);
	if (!strcmp(argv[optind + 1], "channels"))
		return show_channels(&c);
	if (!strcmp(argv[optind + 1], "rps"))
		return show_rps(&c);
	usage(stderr);
	return 2;
}
