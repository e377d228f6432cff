/* Unit tests for uuid7: the layout of a version 7 UUID, and ids in the order
 * of their times. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "pure/uuid7.h"

static const unsigned char ZEROS[UUID7_RANDOM_BYTES];
static const unsigned char ONES[UUID7_RANDOM_BYTES] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

static void id_of(time_t sec, long nsec, const unsigned char *random, char out[UUID7_LEN + 1])
{
	struct timespec t = { .tv_sec = sec, .tv_nsec = nsec };

	uuid7_format(&t, random, out);
}

/* The millisecond in the first 48 bits, the version, the fraction of the
 * millisecond, the variant, then the random bits as given. */
static void test_layout(void)
{
	char id[UUID7_LEN + 1];

	/* 2026-02-10T10:00:00.123456789Z: 1770717600123 ms, 0x019c46fe597b. */
	id_of(1770717600, 123456789, ZEROS, id);
	is_str(id, "019c46fe-597b-774f-8000-000000000000",
	       "the millisecond, version 7, 0.456789 ms as 0x74f of 4096, variant 10");
	id_of(1770717600, 123456789, ONES, id);
	is_str(id, "019c46fe-597b-774f-bfff-ffffffffffff",
	       "62 random bits after the variant, which they do not touch");
	id_of(0, 0, ZEROS, id);
	is_str(id, "00000000-0000-7000-8000-000000000000", "the epoch");
	id_of(0, 999999, ZEROS, id);
	is_str(id, "00000000-0000-7fff-8000-000000000000",
	       "the last nanosecond of a millisecond is fraction 0xfff");
	id_of(0, 1000000, ZEROS, id);
	is_str(id, "00000000-0001-7000-8000-000000000000",
	       "the next millisecond starts at fraction 0");
	ok(strlen(id) == UUID7_LEN && id[8] == '-' && id[13] == '-' && id[18] == '-' &&
	   id[23] == '-', "36 characters, hyphens at 8, 13, 18 and 23");
}

/* Later times make greater ids, whatever the random bits: as text (lower-case
 * hex) and so as the uuid type's order, which compares the bytes. */
static void test_order(void)
{
	static const long steps[] = { 245, 1000, 999999, 1000000, 1000000000 };
	char earlier[UUID7_LEN + 1], later[UUID7_LEN + 1];

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char name[96];

		id_of(1770717600, 0, ONES, earlier);
		id_of(1770717600 + steps[i] / 1000000000, steps[i] % 1000000000, ZEROS, later);
		snprintf(name, sizeof(name), "an id %ld ns later is greater", steps[i]);
		ok(strcmp(later, earlier) > 0, name);
	}
}

int main(void)
{
	test_layout();
	test_order();
	return tap_done();
}
