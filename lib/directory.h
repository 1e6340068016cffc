/* The RP directory's messages (proto/directory.h): building and parsing. */
#ifndef MDCS_DIRECTORY_H
#define MDCS_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "proto/directory.h"

/* One page of the directory, as a peer reads it. */
struct directory_page {
	uint16_t start, total;
	bool own; /* entry 0 of the directory is the answering RP's */
	uint32_t digest;
	uint8_t nonce[8];
	unsigned count;
	struct in6_addr entries[MDCS_DIRECTORY_MAX_ENTRIES];
};

/* FNV-1a, 32 bits, over n entries: what an answer's digest is. */
uint32_t directory_digest(const struct in6_addr *entries, size_t n);

/* A request for the entries from start on, padded with zeros to len
 * octets (sizeof(struct mdcs_directory_answer) plus room for the entries
 * the peer takes, up to MDCS_DIRECTORY_MAX_LEN), into buf; len, or 0 if
 * len is out of that range. */
size_t directory_request_build(uint8_t *buf, size_t len, uint16_t start,
			       const uint8_t nonce[8]);

/* A request of len octets: its start and nonce; false if it is none (of
 * another version or type, shorter than an answer with one entry or
 * longer than MDCS_DIRECTORY_MAX_LEN, or padded with other than zeros). */
bool directory_request_parse(const uint8_t *buf, size_t len, uint16_t *start,
			     uint8_t nonce[8]);

/* The answer to a request of req_len octets for the entries from start on,
 * out of the n of the whole directory (entry 0 this RP's own if own), into
 * buf, which holds req_len octets: as many entries as fit in req_len, and
 * MDCS_DIRECTORY_MAX_ENTRIES at most; none for a start at or beyond n.
 * Its length, never above req_len; 0 for a req_len no request has, or n
 * over MDCS_DIRECTORY_MAX_TOTAL. */
size_t directory_answer_build(uint8_t *buf, size_t req_len, uint16_t start,
			      const uint8_t nonce[8],
			      const struct in6_addr *entries, size_t n,
			      bool own);

/* An answer of len octets into p; false if it is none: of another version
 * or type, unknown flags, a length that disagrees with its count, or
 * entries beyond its total. */
bool directory_answer_parse(const uint8_t *buf, size_t len,
			    struct directory_page *p);

#endif
