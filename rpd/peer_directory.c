/* The RP directory: which RPs' channels there are, for the AS's peers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "directory.h"
#include "log.h"
#include "peer_directory.h"
#include "rate.h"
#include "udpsock.h"

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

size_t directory_build(struct directory *d, bool *own)
{
	const struct rpd_conf *c = d->conf;
	struct in6_addr *others = d->entries;
	size_t n = 0, kept = 0;

	*own = c->has_channel_source;
	if (*own) {
		d->entries[0] = c->channel_source;
		others++;
	}
	n = d->list(d->list_arg, others, MDCS_DIRECTORY_MAX_TOTAL - *own);
	qsort(others, n, sizeof(*others), addr_cmp);
	/* Each once, and neither :: nor this RP's own again. */
	for (size_t i = 0; i < n; i++) {
		if (IN6_IS_ADDR_UNSPECIFIED(&others[i]) ||
		    (kept && !addr_cmp(&others[i], &others[kept - 1])) ||
		    (*own && !addr_cmp(&others[i], &c->channel_source)))
			continue;
		others[kept++] = others[i];
	}
	return kept + *own;
}

size_t directory_answer(struct directory *d, const struct in6_addr *from,
			const uint8_t *buf, size_t len, uint8_t *out)
{
	uint8_t nonce[8];
	uint16_t start;
	size_t n;
	bool own;

	if (!directory_request_parse(buf, len, &start, nonce)) {
		d->stats.malformed++;
		return 0;
	}
	if (!conf_allows_peer(d->conf, from)) {
		d->stats.not_allowed++;
		return 0;
	}
	if (!rate_take(&d->answers_tat_us, loop_now_ms() * 1000,
		       DIRECTORY_ANSWERS_PER_S)) {
		d->stats.over_rate++;
		return 0;
	}
	n = directory_build(d, &own);
	d->stats.answered++;
	return directory_answer_build(out, len, start, nonce, d->entries, n,
				      own);
}

/* Datagrams read at one wake-up at most: the rest wait for the next, so
 * that a flood of requests leaves the loop's other work its turn. */
#define READS_PER_WAKE 64

static void on_readable(void *arg)
{
	struct directory *d = arg;
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN + 1], out[MDCS_DIRECTORY_MAX_LEN];

	for (unsigned i = 0; i < READS_PER_WAKE; i++) {
		struct sockaddr_in6 from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(d->sock, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &from_len);
		size_t len;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("directory: recvfrom: %m");
			return;
		}
		/* One octet too many is too long a request, and refused. */
		len = directory_answer(d, &from.sin6_addr, buf, (size_t)n, out);
		if (len && sendto(d->sock, out, len, 0,
				  (const struct sockaddr *)&from, from_len) < 0)
			log_debug("directory: sendto: %m");
	}
}

int directory_start(struct directory *d, struct loop *loop,
		    const struct rpd_conf *conf, uint16_t port,
		    directory_list_fn list, void *arg)
{
	memset(&d->stats, 0, sizeof(d->stats));
	d->answers_tat_us = 0;
	d->conf = conf;
	d->list = list;
	d->list_arg = arg;
	d->sock = udp_socket(&conf->tunnel_addr, port);
	if (d->sock < 0) {
		log_err("directory: port %u: %m", port);
		return -1;
	}
	if (loop_watch(loop, d->sock, on_readable, d)) {
		log_err("directory: %m");
		close(d->sock);
		return -1;
	}
	d->loop = loop;
	return 0;
}

void directory_stop(struct directory *d)
{
	if (!d->loop)
		return;
	loop_unwatch(d->loop, d->sock);
	close(d->sock);
	d->loop = NULL;
}
