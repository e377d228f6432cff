/* Unit tests for lsn: what the parser takes and refuses (a marker comes from
 * the client, so anything may arrive), the order of positions, and the round
 * trip through PostgreSQL's own spelling. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "pure/lsn.h"

static const struct {
	const char *text;
	int ok;
	uint64_t want;
} cases[] = {
	{ "0/0", 1, 0 },
	{ "0/3000148", 1, 0x3000148 },
	{ "16/B374D848", 1, 0x16B374D848ull },
	{ "16/b374d848", 1, 0x16B374D848ull },
	{ "FFFFFFFF/FFFFFFFF", 1, UINT64_MAX },
	{ "00000001/00000000", 1, 1ull << 32 },
	{ "", 0, 0 },
	{ "/", 0, 0 },
	{ "0/", 0, 0 },
	{ "/0", 0, 0 },
	{ "0", 0, 0 },
	{ "0/0/0", 0, 0 },
	{ "1FFFFFFFF/0", 0, 0 },            /* nine digits */
	{ "0/100000000", 0, 0 },
	{ " 0/1", 0, 0 },
	{ "0/1 ", 0, 0 },
	{ "-1/0", 0, 0 },
	{ "+1/0", 0, 0 },
	{ "0x1/0", 0, 0 },
	{ "g/0", 0, 0 },
	{ "0/1;DROP", 0, 0 },
	{ "0/1\n", 0, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = 12345;
		char name[96];
		int rc = lsn_parse(cases[i].text, strlen(cases[i].text), &got);

		snprintf(name, sizeof(name), "'%s' is %s", cases[i].text,
			 cases[i].ok ? "a position" : "refused");
		if (cases[i].ok) {
			if (ok(rc == 0, name))
				is_int((long long)(got == cases[i].want), 1, "  and its value");
		} else {
			ok(rc == -1, name);
		}
	}
}

/* The length given is the length read: a NUL or a longer buffer around the
 * text changes nothing. */
static void test_length(void)
{
	uint64_t got;

	ok(lsn_parse("0/12;", 4, &got) == 0 && got == 0x12, "only the given length is read");
	ok(lsn_parse("0/1", 2, &got) == -1, "a cut-off text is refused");
}

static void test_format(void)
{
	static const uint64_t values[] = { 0, 0x3000148, 0x16B374D848ull, UINT64_MAX, 1ull << 32 };
	static const char *const texts[] = { "0/0", "0/3000148", "16/B374D848",
					     "FFFFFFFF/FFFFFFFF", "1/0" };
	char out[LSN_TEXT_MAX + 1];

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t back = 0;

		lsn_format(values[i], out);
		is_str(out, texts[i], "formatted as PostgreSQL prints it");
		ok(lsn_parse(out, strlen(out), &back) == 0 && back == values[i], "  and read back");
	}
}

/* Positions compare as numbers, not as text: "9/0" is before "10/0". */
static void test_order(void)
{
	uint64_t a, b;

	ok(lsn_parse("9/0", 3, &a) == 0 && lsn_parse("10/0", 4, &b) == 0 && a < b,
	   "9/0 comes before 10/0");
	ok(lsn_parse("0/FFFFFFFF", 10, &a) == 0 && lsn_parse("1/0", 3, &b) == 0 && a < b,
	   "the low half carries into the high one");
}

int main(void)
{
	test_parse();
	test_length();
	test_format();
	test_order();
	return tap_done();
}
