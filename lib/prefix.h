/* IPv6 prefixes and addresses: parsing, matching and printing. */
#ifndef MDCS_PREFIX_H
#define MDCS_PREFIX_H

#include <stdbool.h>
#include <netinet/in.h>
#include <arpa/inet.h>

struct prefix6 {
	struct in6_addr addr; /* host bits are zero */
	unsigned len;
};

/* Parse "addr/len"; false on a malformed prefix. */
bool prefix6_parse(const char *s, struct prefix6 *p);
bool prefix6_contains(const struct prefix6 *p, const struct in6_addr *a);

/* Whether one of a and b contains the other. */
bool prefix6_overlap(const struct prefix6 *a, const struct prefix6 *b);

/* Printable forms, in a caller's buffer. */
const char *addr6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN]);

#define PREFIX6_STRLEN (INET6_ADDRSTRLEN + 4)
const char *prefix6_str(const struct prefix6 *p, char buf[PREFIX6_STRLEN]);

#endif
