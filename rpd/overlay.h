/* The overlay link: a tun device whose far end is rpd, pim6d's neighbor. */
#ifndef RPD_OVERLAY_H
#define RPD_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct overlay {
	char name[16];
	int fd;
	int ifindex;
};

/*
 * Create the device, or adopt the one an earlier rpd left behind, and bring
 * it up.  It is persistent, so that the link, pim6d's view of it and the
 * datapath survive a crash of rpd.
 */
int overlay_open(struct overlay *o, const char *name, unsigned mtu);

/* Close the device; with remove, the device goes away too. */
void overlay_close(struct overlay *o, bool remove);

/* Read one IPv6 packet that the kernel sent onto the link. */
ssize_t overlay_read(struct overlay *o, void *buf, size_t cap);

/* Hand one IPv6 packet to the kernel as received on the link. */
int overlay_write(struct overlay *o, const void *pkt, size_t len);

#endif
