/* A hash table from channels (S,G) to their owner's records. */
#ifndef RPD_CHANTAB_H
#define RPD_CHANTAB_H

#include <stddef.h>

#include "dp_abi.h"

struct chantab_entry;

struct chantab {
	struct chantab_entry **buckets;
	size_t n_buckets;
	size_t count;
	unsigned char key[16]; /* keys the hash, against crafted channels */
};

int chantab_init(struct chantab *t);
/* Frees the table; free_data, if given, is called on every record. */
void chantab_fini(struct chantab *t, void (*free_data)(void *));

void *chantab_get(const struct chantab *t, const struct mdcs_channel *ch);
/* Add a channel that is not in the table yet. */
int chantab_add(struct chantab *t, const struct mdcs_channel *ch, void *data);
/* Remove a channel, giving back its record (NULL if absent). */
void *chantab_del(struct chantab *t, const struct mdcs_channel *ch);

/* Call fn on every record; fn may remove the channel it is given. */
void chantab_each(struct chantab *t,
		  void (*fn)(void *arg, const struct mdcs_channel *ch,
			     void *data),
		  void *arg);

#endif
