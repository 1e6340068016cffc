/* A hash table from channels (S,G) to their owner's records. */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "chantab.h"

struct chantab_entry {
	struct mdcs_channel ch;
	void *data;
	struct chantab_entry *next;
};

#define INITIAL_BUCKETS 64

static size_t bucket(const struct chantab *t, const struct mdcs_channel *ch)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, (const unsigned char *)ch,
			 sizeof(*ch), t->key);
	return h & (t->n_buckets - 1);
}

int chantab_init(struct chantab *t)
{
	if (sodium_init() < 0)
		return -1;
	t->n_buckets = INITIAL_BUCKETS;
	t->count = 0;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	randombytes_buf(t->key, sizeof(t->key));
	return t->buckets ? 0 : -1;
}

void chantab_fini(struct chantab *t, void (*free_data)(void *))
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct chantab_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			if (free_data)
				free_data(e->data);
			free(e);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->n_buckets = 0;
	t->count = 0;
}

static struct chantab_entry **find(const struct chantab *t,
				   const struct mdcs_channel *ch)
{
	struct chantab_entry **pp = &t->buckets[bucket(t, ch)];

	while (*pp && memcmp(&(*pp)->ch, ch, sizeof(*ch)))
		pp = &(*pp)->next;
	return pp;
}

void *chantab_get(const struct chantab *t, const struct mdcs_channel *ch)
{
	struct chantab_entry *e = *find(t, ch);

	return e ? e->data : NULL;
}

/* Double the buckets once the table is as full as it has buckets. */
static void grow(struct chantab *t)
{
	struct chantab_entry **old = t->buckets;
	size_t n_old = t->n_buckets;
	struct chantab_entry **nb = calloc(2 * n_old, sizeof(*nb));

	if (!nb)
		return; /* a fuller table is slower, not wrong */
	t->buckets = nb;
	t->n_buckets = 2 * n_old;
	for (size_t i = 0; i < n_old; i++) {
		struct chantab_entry *e = old[i], *next;

		for (; e; e = next) {
			size_t b = bucket(t, &e->ch);

			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(old);
}

int chantab_add(struct chantab *t, const struct mdcs_channel *ch, void *data)
{
	struct chantab_entry *e = malloc(sizeof(*e));
	size_t b;

	if (!e)
		return -1;
	if (t->count >= t->n_buckets)
		grow(t);
	b = bucket(t, ch);
	e->ch = *ch;
	e->data = data;
	e->next = t->buckets[b];
	t->buckets[b] = e;
	t->count++;
	return 0;
}

void *chantab_del(struct chantab *t, const struct mdcs_channel *ch)
{
	struct chantab_entry **pp = find(t, ch), *e = *pp;
	void *data;

	if (!e)
		return NULL;
	*pp = e->next;
	data = e->data;
	free(e);
	t->count--;
	return data;
}

void chantab_each(struct chantab *t,
		  void (*fn)(void *arg, const struct mdcs_channel *ch,
			     void *data),
		  void *arg)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct chantab_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			struct mdcs_channel ch = e->ch;

			next = e->next;
			fn(arg, &ch, e->data);
		}
	}
}
