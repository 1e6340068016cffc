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

/* Join what the directory lists and was not joined, leave what the last
 * two did not list; the first DIRWATCH_MAX entries count. */
static int refresh(struct dirwatch *w)
{
	static struct in6_addr fresh[MDCS_DIRECTORY_MAX_TOTAL];
	struct in6_addr kept[DIRWATCH_MAX];
	bool missed[DIRWATCH_MAX];
	char rp[INET6_ADDRSTRLEN];
	size_t n_kept = 0;
	ssize_t n;
	bool own;

	n = mdcs_directory_fetch(&w->rp, MDCS_DIRECTORY_PORT,
				 w->bound ? &w->local : NULL, fresh,
				 MDCS_DIRECTORY_MAX_TOTAL, &own);
	if (n < 0) {
		fprintf(stderr, "mdcs-peer: directory of [%s]: %s\n",
			inet_ntop(AF_INET6, &w->rp, rp, sizeof(rp)),
			strerror(errno));
		return -1;
	}
	if ((size_t)n > DIRWATCH_MAX) {
		fprintf(stderr,
			"mdcs-peer: the directory lists %zd RPs; the "
			"first %d are joined\n",
			n, DIRWATCH_MAX);
		n = DIRWATCH_MAX;
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
	for (ssize_t i = 0; i < n && n_kept < DIRWATCH_MAX; i++) {
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
	return left > 0 ? (int)left : 0;
}
