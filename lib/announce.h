/* Peer announcements (proto/announce.h): building and parsing them. */
#ifndef MDCS_ANNOUNCE_H
#define MDCS_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/announce.h"

struct announce {
	uint8_t flags;
	uint16_t hold_s; /* 0: the peer leaves */
	uint8_t id[8];
};

/* Write a's announcement into buf; its length. */
size_t announce_build(uint8_t buf[sizeof(struct mdcs_announce)],
		      const struct announce *a);

/* Parse an announcement of len octets into *a; false if it is none: of
 * another length or version, with unknown flags, or a hold time beyond
 * MDCS_ANNOUNCE_MAX_HOLD. */
bool announce_parse(const uint8_t *buf, size_t len, struct announce *a);

#endif
