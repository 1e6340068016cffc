/* A peer finding its RP (AMT relay discovery) and asking it for the RPs. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "directory.h"
#include "peer.h"
#include "proto/amt.h"

/* One question and the answers it may get: build writes the question with
 * a fresh nonce into buf (MDCS_DIRECTORY_MAX_LEN octets) and says its
 * length; take says whether a datagram is the answer to it. */
struct question {
	size_t (*build)(void *arg, uint8_t *buf, const uint8_t nonce[8]);
	bool (*take)(void *arg, const uint8_t *buf, size_t len,
		     const uint8_t nonce[8]);
	void *arg;
};

/* Wait up to ms for a datagram from `to` that q takes; 1 if one came, 0
 * if none did, -1 on error.  Others are read and dropped. */
static int await(int fd, const struct sockaddr_in6 *to,
		 const struct question *q, const uint8_t nonce[8], int ms)
{
	int64_t until = mdcs_peer_now_ms() + ms;
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN + 1]; /* longer is wrong */

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = until - mdcs_peer_now_ms();
		struct sockaddr_in6 from;
		socklen_t from_len = sizeof(from);
		int ready;
		ssize_t n;

		if (left <= 0)
			return 0;
		ready = poll(&p, 1, (int)left);
		if (ready < 0 && errno != EINTR)
			return -1;
		if (ready <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0 && from.sin6_port == to->sin6_port &&
		    !memcmp(&from.sin6_addr, &to->sin6_addr, 16) &&
		    q->take(q->arg, buf, (size_t)n, nonce))
			return 1;
	}
}

/* Ask q of `to` up to MDCS_ASK_TRIES times, MDCS_ASK_WAIT_MS apart, each
 * time with a new nonce, so that a late answer to an earlier try is not
 * taken; ETIMEDOUT if none was answered. */
static int ask(int fd, const struct sockaddr_in6 *to, const struct question *q)
{
	uint8_t buf[MDCS_DIRECTORY_MAX_LEN], nonce[8];

	for (unsigned t = 0; t < MDCS_ASK_TRIES; t++) {
		size_t len;
		int got;

		if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
			return -1;
		len = q->build(q->arg, buf, nonce);
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)to,
			   sizeof(*to)) != (ssize_t)len)
			return -1;
		got = await(fd, to, q, nonce, MDCS_ASK_WAIT_MS);
		if (got)
			return got > 0 ? 0 : -1;
	}
	errno = ETIMEDOUT;
	return -1;
}

/* --- relay discovery (RFC 7450, 5.2.3.1) --- */

static size_t discovery_build(void *arg, uint8_t *buf, const uint8_t nonce[8])
{
	struct amt_discovery d = { .version_type = AMT_OCTET0(
					   AMT_TYPE_RELAY_DISCOVERY) };

	(void)arg;
	memcpy(&d.nonce, nonce, sizeof(d.nonce));
	memcpy(buf, &d, sizeof(d));
	return sizeof(d);
}

static bool advertisement_take(void *arg, const uint8_t *buf, size_t len,
			       const uint8_t nonce[8])
{
	struct amt_advertisement a;

	if (len != sizeof(a))
		return false;
	memcpy(&a, buf, sizeof(a));
	if (a.version_type != AMT_OCTET0(AMT_TYPE_RELAY_ADVERTISEMENT) ||
	    memcmp(&a.nonce, nonce, sizeof(a.nonce)))
		return false;
	memcpy(arg, a.relay, sizeof(a.relay));
	return true;
}

static struct sockaddr_in6 sockaddr_of(const struct in6_addr *addr,
				       uint16_t port)
{
	return (struct sockaddr_in6){ .sin6_family = AF_INET6,
				      .sin6_port = htons(port),
				      .sin6_addr = *addr };
}

int mdcs_relay_discover(const struct in6_addr *addr, uint16_t port,
			const struct in6_addr *local, struct in6_addr *relay)
{
	struct sockaddr_in6 to = sockaddr_of(addr, port);
	struct question q = { discovery_build, advertisement_take, relay };
	int fd = mdcs_peer_publisher(local), rc, saved;

	if (fd < 0)
		return -1;
	rc = ask(fd, &to, &q);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* --- the directory --- */

struct page_question {
	uint16_t start;
	size_t room; /* entries the caller can still take */
	struct directory_page page;
};

static size_t page_build(void *arg, uint8_t *buf, const uint8_t nonce[8])
{
	struct page_question *pq = arg;
	size_t entries = pq->room < MDCS_DIRECTORY_MAX_ENTRIES
				 ? pq->room
				 : MDCS_DIRECTORY_MAX_ENTRIES;

	if (!entries)
		entries = 1; /* to hear the total, and fail with ENOBUFS */
	return directory_request_build(buf,
				       sizeof(struct mdcs_directory_answer) +
					       entries *
						       MDCS_DIRECTORY_ENTRY_LEN,
				       pq->start, nonce);
}

static bool page_take(void *arg, const uint8_t *buf, size_t len,
		      const uint8_t nonce[8])
{
	struct page_question *pq = arg;

	return directory_answer_parse(buf, len, &pq->page) &&
	       !memcmp(pq->page.nonce, nonce, sizeof(pq->page.nonce)) &&
	       pq->page.start == pq->start &&
	       (pq->page.count || pq->start >= pq->page.total);
}

/* The whole directory, if it stays the same while its pages come: 1,
 * or 0 if it changed (a page of another total or digest came). */
static int fetch_pages(int fd, const struct sockaddr_in6 *to,
		       struct in6_addr *out, size_t max, bool *own,
		       size_t *total)
{
	struct page_question pq = { .room = max };
	struct question q = { page_build, page_take, &pq };
	uint32_t digest = 0;

	do {
		if (ask(fd, to, &q))
			return -1;
		if (!pq.start) {
			*total = pq.page.total;
			digest = pq.page.digest;
			*own = pq.page.own;
			if (*total > max) {
				errno = ENOBUFS;
				return -1;
			}
		} else if (pq.page.total != *total ||
			   pq.page.digest != digest) {
			return 0;
		}
		memcpy(out + pq.start, pq.page.entries,
		       pq.page.count * sizeof(*out));
		pq.start += pq.page.count;
		pq.room -= pq.page.count;
	} while (pq.start < *total);
	return directory_digest(out, *total) == digest;
}

ssize_t mdcs_directory_fetch(const struct in6_addr *rp, uint16_t port,
			     const struct in6_addr *local, struct in6_addr *out,
			     size_t max, bool *own)
{
	struct sockaddr_in6 to = sockaddr_of(rp, port);
	int fd = mdcs_peer_publisher(local), got = 0, saved;
	size_t total = 0;

	if (fd < 0)
		return -1;
	for (unsigned t = 0; t < MDCS_ASK_TRIES && !got; t++)
		got = fetch_pages(fd, &to, out, max, own, &total);
	saved = got ? errno : ESTALE;
	close(fd);
	errno = saved;
	return got > 0 ? (ssize_t)total : -1;
}
