/* IPv6 prefixes and addresses: parsing, matching and printing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

static void mask_host_bits(struct in6_addr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		if (bits < 8)
			a->s6_addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

bool prefix6_parse(const char *s, struct prefix6 *p)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (!slash || (size_t)(slash - s) >= INET6_ADDRSTRLEN)
		return false;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET6, buf, &p->addr) != 1)
		return false;
	/* strtol would also take a sign or leading blanks. */
	if (!isdigit((unsigned char)slash[1]))
		return false;
	len = strtol(slash + 1, &end, 10);
	if (*end || len > 128)
		return false;
	p->len = (unsigned)len;
	mask_host_bits(&p->addr, p->len);
	return true;
}

bool prefix6_contains(const struct prefix6 *p, const struct in6_addr *a)
{
	struct in6_addr masked = *a;

	mask_host_bits(&masked, p->len);
	return memcmp(&masked, &p->addr, sizeof(masked)) == 0;
}

bool prefix6_overlap(const struct prefix6 *a, const struct prefix6 *b)
{
	return a->len <= b->len ? prefix6_contains(a, &b->addr)
				: prefix6_contains(b, &a->addr);
}

const char *addr6_str(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

const char *prefix6_str(const struct prefix6 *p, char buf[PREFIX6_STRLEN])
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, PREFIX6_STRLEN, "%s/%u", addr6_str(&p->addr, a), p->len);
	return buf;
}
