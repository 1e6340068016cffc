/*
 * The channel hash table (rpd/chantab.c): adding, finding and removing
 * channels, growth, iteration with removal, and freeing the records.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rpd/chantab.h"
#include "runner.h"

#define MANY 20000

static struct chantab t;
static int records[MANY];

/* Channel i: (2001:db8::i, ff3e::i), with i in the low 32 bits. */
static struct mdcs_channel channel(unsigned i)
{
	struct mdcs_channel ch = { 0 };

	ch.source.s6_addr[0] = 0x20;
	ch.source.s6_addr[1] = 0x01;
	ch.source.s6_addr[2] = 0x0d;
	ch.source.s6_addr[3] = 0xb8;
	ch.group.s6_addr[0] = 0xff;
	ch.group.s6_addr[1] = 0x3e;
	for (unsigned k = 0; k < 4; k++) {
		ch.source.s6_addr[15 - k] = (uint8_t)(i >> 8 * k);
		ch.group.s6_addr[15 - k] = (uint8_t)(i >> 8 * k);
	}
	return ch;
}

static void add_many(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct mdcs_channel ch = channel(i);

		ck_assert_int_eq(chantab_add(&t, &ch, &records[i]), 0);
	}
	ck_assert_uint_eq(t.count, n);
}

/* The record of a channel, from its address in records[]. */
static unsigned index_of(const void *data)
{
	const int *r = data;

	ck_assert(r >= records && r < records + MANY);
	return (unsigned)(r - records);
}

static void setup(void)
{
	memset(records, 0, sizeof(records));
	ck_assert_int_eq(chantab_init(&t), 0);
}

static void teardown(void)
{
	chantab_fini(&t, NULL);
}

START_TEST(add_get_del)
{
	struct mdcs_channel a = channel(1), b = channel(2), c = channel(3);
	struct mdcs_channel a_src = a, a_grp = a;

	/* channels differing in the source or in the group only */
	a_src.source = b.source;
	a_grp.group = b.group;
	ck_assert_int_eq(chantab_add(&t, &a, &records[1]), 0);
	ck_assert_int_eq(chantab_add(&t, &b, &records[2]), 0);
	ck_assert_uint_eq(t.count, 2);
	ck_assert_ptr_eq(chantab_get(&t, &a), &records[1]);
	ck_assert_ptr_eq(chantab_get(&t, &b), &records[2]);
	ck_assert_ptr_null(chantab_get(&t, &c));
	ck_assert_ptr_null(chantab_get(&t, &a_src));
	ck_assert_ptr_null(chantab_get(&t, &a_grp));

	ck_assert_ptr_null(chantab_del(&t, &c));
	ck_assert_uint_eq(t.count, 2);
	ck_assert_ptr_eq(chantab_del(&t, &a), &records[1]);
	ck_assert_uint_eq(t.count, 1);
	ck_assert_ptr_null(chantab_get(&t, &a));
	ck_assert_ptr_null(chantab_del(&t, &a));
	ck_assert_ptr_eq(chantab_get(&t, &b), &records[2]);

	/* a removed channel can come back with another record */
	ck_assert_int_eq(chantab_add(&t, &a, &records[5]), 0);
	ck_assert_ptr_eq(chantab_get(&t, &a), &records[5]);
	ck_assert_uint_eq(t.count, 2);
}
END_TEST

START_TEST(grows)
{
	add_many(MANY);
	for (unsigned i = 0; i < MANY; i++) {
		struct mdcs_channel ch = channel(i);

		ck_assert_ptr_eq(chantab_get(&t, &ch), &records[i]);
	}
	for (unsigned i = 0; i < MANY; i += 2) {
		struct mdcs_channel ch = channel(i);

		ck_assert_ptr_eq(chantab_del(&t, &ch), &records[i]);
	}
	ck_assert_uint_eq(t.count, MANY / 2);
	for (unsigned i = 0; i < MANY; i++) {
		struct mdcs_channel ch = channel(i);

		ck_assert_ptr_eq(chantab_get(&t, &ch),
				 i % 2 ? &records[i] : NULL);
	}
	/* reachable is not enough: a table that never grew would be slow */
	ck_assert_uint_gt(t.n_buckets, MANY / 4);
}
END_TEST

static void count_visit(void *arg, const struct mdcs_channel *ch, void *data)
{
	struct mdcs_channel want = channel(index_of(data));

	ck_assert_mem_eq(ch, &want, sizeof(want));
	(*(int *)data)++;
	(*(unsigned *)arg)++;
}

START_TEST(each_visits_once)
{
	unsigned n = 0;

	add_many(5000);
	chantab_each(&t, count_visit, &n);
	ck_assert_uint_eq(n, 5000);
	for (unsigned i = 0; i < 5000; i++)
		ck_assert_int_eq(records[i], 1);

	n = 0;
	chantab_fini(&t, NULL);
	ck_assert_int_eq(chantab_init(&t), 0);
	chantab_each(&t, count_visit, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static void del_visit(void *arg, const struct mdcs_channel *ch, void *data)
{
	ck_assert_ptr_eq(chantab_del(arg, ch), data);
	(*(int *)data)++;
}

START_TEST(each_may_delete)
{
	unsigned n = 0;

	add_many(5000);
	chantab_each(&t, del_visit, &t);
	ck_assert_uint_eq(t.count, 0);
	for (unsigned i = 0; i < 5000; i++) {
		struct mdcs_channel ch = channel(i);

		ck_assert_int_eq(records[i], 1);
		ck_assert_ptr_null(chantab_get(&t, &ch));
	}
	chantab_each(&t, count_visit, &n);
	ck_assert_uint_eq(n, 0);
}
END_TEST

static void free_record(void *data)
{
	(*(int *)data)++;
}

START_TEST(fini_frees_each_record)
{
	add_many(3000);
	for (unsigned i = 0; i < 3000; i += 3) {
		struct mdcs_channel ch = channel(i);

		chantab_del(&t, &ch);
	}
	chantab_fini(&t, free_record);
	ck_assert_uint_eq(t.count, 0);
	for (unsigned i = 0; i < 3000; i++)
		ck_assert_int_eq(records[i], i % 3 ? 1 : 0);
	/* the teardown's chantab_fini must find nothing left to free */
}
END_TEST

static Suite *chantab_suite(void)
{
	Suite *s = suite_create("chantab");
	TCase *c = tcase_create("chantab");

	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, add_get_del);
	tcase_add_test(c, grows);
	tcase_add_test(c, each_visits_once);
	tcase_add_test(c, each_may_delete);
	tcase_add_test(c, fini_frees_each_record);
	suite_add_tcase(s, c);
	return s;
}

CHECK_MAIN(chantab_suite)
