/* The RP directory: which RPs' channels there are, for the AS's peers. */
#ifndef RPD_PEER_DIRECTORY_H
#define RPD_PEER_DIRECTORY_H

/*
 * Peers ask the RP's tunnel address, at the directory port, for the
 * channel-source addresses of the RPs it knows (proto/directory.h): its
 * own first, if it publishes, then every other RP's it has heard of, in
 * address order, so that a peer's pages follow one order.  Only hosts this
 * RP takes publications from (publishing/allowed-prefix), the peers of its
 * AS, are answered; an answer is never longer than the request it answers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "conf.h"
#include "loop.h"
#include "proto/directory.h"

/* Fills out with other RPs' channel sources, up to max; how many. */
typedef size_t (*directory_list_fn)(void *arg, struct in6_addr *out,
				    size_t max);

/* Answers a second at most, in bursts of as many: each rebuilds the
 * directory (up to some thousand entries sorted), and the source of a
 * request is easily forged. */
#define DIRECTORY_ANSWERS_PER_S 1024

struct directory_stats {
	uint64_t answered;
	uint64_t malformed;   /* no request, or a wrong one */
	uint64_t not_allowed; /* from outside the allowed prefixes */
	uint64_t over_rate;   /* not answered: over DIRECTORY_ANSWERS_PER_S */
};

struct directory {
	struct loop *loop;
	const struct rpd_conf *conf;
	int sock;
	directory_list_fn list;
	void *list_arg;
	struct in6_addr entries[MDCS_DIRECTORY_MAX_TOTAL];
	uint64_t answers_tat_us; /* the rate's (rate.h) */
	struct directory_stats stats;
};

/* Answer requests on the tunnel address at port (MDCS_DIRECTORY_PORT; 0,
 * for tests: any free one), listing what list gives besides this RP. */
int directory_start(struct directory *d, struct loop *loop,
		    const struct rpd_conf *conf, uint16_t port,
		    directory_list_fn list, void *arg);

void directory_stop(struct directory *d);

/* The directory as it is now, in d->entries; how many entries, and
 * whether the first is this RP's own. */
size_t directory_build(struct directory *d, bool *own);

/* The answer to a request of len octets from `from`, in out (len octets
 * at least); its length, 0 for none (the reason counted). */
size_t directory_answer(struct directory *d, const struct in6_addr *from,
			const uint8_t *buf, size_t len, uint8_t *out);

#endif
