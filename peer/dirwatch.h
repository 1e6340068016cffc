/* mdcs-peer's -g: the channels of every RP in the directory, kept joined. */
#ifndef MDCS_PEER_DIRWATCH_H
#define MDCS_PEER_DIRWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

/* Channels the tool joins from the directory at most. */
#define DIRWATCH_MAX 64
/* How often the directory is asked again at most, in seconds. */
#define DIRWATCH_MAX_INTERVAL_S 86400

typedef int (*dirwatch_fn)(void *arg, const struct in6_addr *source,
			   const struct in6_addr *group);

/* The directory of one RP, asked again every interval, and (S, group)
 * joined for each source S it lists and left when two directories in a
 * row no longer list S: an RP that has just restarted lists only the RPs
 * it has heard from again, and its peers should not leave the others. */
struct dirwatch {
	struct in6_addr rp; /* its tunnel address */
	bool bound;
	struct in6_addr local; /* asked from it if bound */
	struct in6_addr group;
	unsigned interval_ms; /* DIRWATCH_MAX_INTERVAL_S at most */
	bool capped;	      /* said that only DIRWATCH_MAX are joined */
	long long next_ms;
	size_t n;
	struct in6_addr sources[DIRWATCH_MAX]; /* joined */
	bool missed[DIRWATCH_MAX];	       /* not listed the last time */
	dirwatch_fn join, leave;
	void *arg;
};

/* The directory of the RP whose tunnel address is rp, asked from local
 * (NULL: any address), in the tool's one array; how many entries (out),
 * or -1 (said on standard error). */
ssize_t dirwatch_fetch(const struct in6_addr *rp, const struct in6_addr *local,
		       const struct in6_addr **out, bool *own);

/* Ask the directory and join its channels with join; -1 if it could not
 * be had (said on standard error). */
int dirwatch_start(struct dirwatch *w, dirwatch_fn join, dirwatch_fn leave,
		   void *arg);

/* Ask again if due, joining and leaving what changed; the milliseconds
 * until the next time (INT_MAX for w NULL).  A failure is said, and the
 * channels stay as they were until the next time. */
int dirwatch_due(struct dirwatch *w);

#endif
