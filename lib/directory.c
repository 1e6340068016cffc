/* The RP directory's messages (proto/directory.h): building and parsing. */
#include <string.h>
#include <arpa/inet.h>

#include "directory.h"

#define ANSWER_HLEN sizeof(struct mdcs_directory_answer)

uint32_t directory_digest(const struct in6_addr *entries, size_t n)
{
	const uint8_t *p = (const uint8_t *)entries;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n * sizeof(*entries); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

size_t directory_request_build(uint8_t *buf, size_t len, uint16_t start,
			       const uint8_t nonce[8])
{
	struct mdcs_directory_hdr h = {
		.version = MDCS_DIRECTORY_VERSION,
		.type = MDCS_DIRECTORY_REQUEST,
		.start = htons(start),
	};

	if (len < ANSWER_HLEN + MDCS_DIRECTORY_ENTRY_LEN ||
	    len > MDCS_DIRECTORY_MAX_LEN)
		return 0;
	memcpy(h.nonce, nonce, sizeof(h.nonce));
	memset(buf, 0, len);
	memcpy(buf, &h, sizeof(h));
	return len;
}

bool directory_request_parse(const uint8_t *buf, size_t len, uint16_t *start,
			     uint8_t nonce[8])
{
	struct mdcs_directory_hdr h;

	if (len < ANSWER_HLEN + MDCS_DIRECTORY_ENTRY_LEN ||
	    len > MDCS_DIRECTORY_MAX_LEN)
		return false;
	memcpy(&h, buf, sizeof(h));
	if (h.version != MDCS_DIRECTORY_VERSION ||
	    h.type != MDCS_DIRECTORY_REQUEST)
		return false;
	for (size_t i = sizeof(h); i < len; i++)
		if (buf[i])
			return false;
	*start = ntohs(h.start);
	memcpy(nonce, h.nonce, sizeof(h.nonce));
	return true;
}

size_t directory_answer_build(uint8_t *buf, size_t req_len, uint16_t start,
			      const uint8_t nonce[8],
			      const struct in6_addr *entries, size_t n,
			      bool own)
{
	struct mdcs_directory_answer a = {
		.h = { .version = MDCS_DIRECTORY_VERSION,
		       .type = MDCS_DIRECTORY_ANSWER,
		       .start = htons(start) },
		.flags = own ? MDCS_DIRECTORY_OWN : 0,
	};
	size_t count = start < n ? n - start : 0, room;

	/* before anything is read of entries */
	if (req_len < ANSWER_HLEN + MDCS_DIRECTORY_ENTRY_LEN ||
	    req_len > MDCS_DIRECTORY_MAX_LEN || n > MDCS_DIRECTORY_MAX_TOTAL)
		return 0;
	room = (req_len - ANSWER_HLEN) / MDCS_DIRECTORY_ENTRY_LEN;
	if (count > room)
		count = room;
	if (count > MDCS_DIRECTORY_MAX_ENTRIES)
		count = MDCS_DIRECTORY_MAX_ENTRIES;
	a.total = htons((uint16_t)n);
	a.count = (uint8_t)count;
	a.digest = htonl(directory_digest(entries, n));
	memcpy(a.h.nonce, nonce, sizeof(a.h.nonce));
	memcpy(buf, &a, sizeof(a));
	memcpy(buf + sizeof(a), entries + (count ? start : 0),
	       count * MDCS_DIRECTORY_ENTRY_LEN);
	return sizeof(a) + count * MDCS_DIRECTORY_ENTRY_LEN;
}

bool directory_answer_parse(const uint8_t *buf, size_t len,
			    struct directory_page *p)
{
	struct mdcs_directory_answer a;

	if (len < sizeof(a))
		return false;
	memcpy(&a, buf, sizeof(a));
	if (a.h.version != MDCS_DIRECTORY_VERSION ||
	    a.h.type != MDCS_DIRECTORY_ANSWER ||
	    (a.flags & ~MDCS_DIRECTORY_OWN) ||
	    a.count > MDCS_DIRECTORY_MAX_ENTRIES ||
	    len != sizeof(a) + a.count * MDCS_DIRECTORY_ENTRY_LEN ||
	    (a.count && ntohs(a.h.start) + a.count > ntohs(a.total)))
		return false;
	p->start = ntohs(a.h.start);
	p->total = ntohs(a.total);
	p->own = a.flags & MDCS_DIRECTORY_OWN;
	p->digest = ntohl(a.digest);
	memcpy(p->nonce, a.h.nonce, sizeof(p->nonce));
	p->count = a.count;
	memcpy(p->entries, buf + sizeof(a), a.count * MDCS_DIRECTORY_ENTRY_LEN);
	return true;
}
