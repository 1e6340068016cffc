/* mdcs-peer's -g: the channels of every RP in the directory, kept joined. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "dirwatch.h"
#include "peer.h"
#include "proto/directory.h"

static bool listed(const struct in6_addr *a, const struct in6_addr *list,
		   size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(a, &list[i], sizeof(*a)))
			return true;
	return false;
}

static void say(const char *what, const struct in6_addr *s,
		const struct in6_addr *g)
{
	char sa[INET6_ADDRSTRLEN], ga[INET6_ADDRSTRLEN];

	fprintf(stderr, "mdcs-peer: %s (%s,%s)\n", what,
		inet_ntop(AF_INET6, s, sa, sizeof(sa)),
		inet_ntop(AF_INET6, g, ga, sizeof(ga)));
}

ssize_t dirwatch_fetch(const struct in6_addr *rp, const struct in6_addr *local,
		       const struct in6_addr **out, bool *own)
{
	static struct in6_addr entries[MDCS_DIRECTORY_MAX_TOTAL];
	char a[INET6_ADDRSTRLEN];
	ssize_t n =
		mdcs_directory_fetch(rp, MDCS_DIRECTORY_PORT, local, entries,
				     MDCS_DIRECTORY_MAX_TOTAL, own);

	if (n < 0)
		fprintf(stderr, "mdcs-peer: directory of [%s]: %s\n",
			inet_ntop(AF_INET6, rp, a, sizeof(a)), strerror(errno));
	*out = entries;
	return n;
}

/* Join what the directory lists and was not joined, leave what the last
 * two did not list; the first DIRWATCH_MAX entries count for joining. */
static int refresh(struct dirwatch *w)
{
	struct in6_addr kept[DIRWATCH_MAX];
	const struct in6_addr *fresh;
	bool missed[DIRWATCH_MAX], own;
	size_t n_kept = 0;
	ssize_t n = dirwatch_fetch(&w->rp, w->bound ? &w->local : NULL, &fresh,
				   &own);

	if (n < 0)
		return -1;
	if ((size_t)n > DIRWATCH_MAX && !w->capped) {
		fprintf(stderr,
			"mdcs-peer: the directory lists %zd RPs; the "
			"first %d are joined\n",
			n, DIRWATCH_MAX);
		w->capped = true;
	}
	for (size_t i = 0; i < w->n; i++) {
		bool gone = !listed(&w->sources[i], fresh, (size_t)n);

		if (gone && w->missed[i]) {
			w->leave(w->arg, &w->sources[i], &w->group);
			say("left", &w->sources[i], &w->group);
			continue;
		}
		missed[n_kept] = gone;
		kept[n_kept++] = w->sources[i];
	}
	for (ssize_t i = 0; i < n && i < DIRWATCH_MAX && n_kept < DIRWATCH_MAX;
	     i++) {
		if (listed(&fresh[i], kept, n_kept))
			continue;
		if (w->join(w->arg, &fresh[i], &w->group)) {
			fprintf(stderr, "mdcs-peer: join: %s\n",
				strerror(errno));
			continue;
		}
		missed[n_kept] = false;
		kept[n_kept++] = fresh[i];
		say("joined", &fresh[i], &w->group);
	}
	memcpy(w->sources, kept, n_kept * sizeof(*kept));
	memcpy(w->missed, missed, n_kept * sizeof(*missed));
	w->n = n_kept;
	return 0;
}

int dirwatch_start(struct dirwatch *w, dirwatch_fn join, dirwatch_fn leave,
		   void *arg)
{
	w->join = join;
	w->leave = leave;
	w->arg = arg;
	w->n = 0;
	w->next_ms = mdcs_peer_now_ms() + w->interval_ms;
	return refresh(w);
}

int dirwatch_due(struct dirwatch *w)
{
	long long left;

	if (!w)
		return INT_MAX;
	if (mdcs_peer_now_ms() >= w->next_ms) {
		refresh(w);
		w->next_ms = mdcs_peer_now_ms() + w->interval_ms;
	}
	left = w->next_ms - mdcs_peer_now_ms();
	return left > 0 ? (left < INT_MAX ? (int)left : INT_MAX) : 0;
}
