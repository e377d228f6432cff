/* Unit tests for cursor: what a page's cursor reads back as, and what is not
 * one. */
#include <stdio.h>
#include <string.h>

#include "pure/cursor.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID "1c668aab-3e0f-45c5-ac7b-47daed29729c"

static void test_round_trip(void)
{
	char text[CURSOR_TEXT_MAX];
	struct cursor c;

	cursor_format(1765022000123456, UUID, text);
	ok(strcmp(text, "1765022000123456." UUID) == 0, "a log's cursor: its time, a dot, its id");
	ok(cursor_parse(text, strlen(text), CURSOR_ID_UUID, &c) == 0 && c.usec == 1765022000123456 &&
	   strcmp(c.id, UUID) == 0, "  read back");
	cursor_format(-5, "42", text);
	ok(cursor_parse(text, strlen(text), CURSOR_ID_INTEGER, &c) == 0 && c.usec == -5 && strcmp(c.id, "42") == 0,
	   "an event's, before 1970");
	ok(cursor_parse("1." "1C668AAB-3E0F-45C5-AC7B-47DAED29729C", 38, CURSOR_ID_UUID, &c) == 0 &&
	   strcmp(c.id, UUID) == 0, "an upper-case id is read in lower case");
}

static void test_refusals(void)
{
	static const struct { const char *text; enum cursor_id kind; } bad[] = {
		{ "", CURSOR_ID_UUID },
		{ "123", CURSOR_ID_INTEGER },
		{ ".42", CURSOR_ID_INTEGER },
		{ "1.", CURSOR_ID_INTEGER },
		{ "1.042", CURSOR_ID_INTEGER },
		{ "1.-42", CURSOR_ID_INTEGER },
		{ "1.4 2", CURSOR_ID_INTEGER },
		{ "1.1234567890123456789", CURSOR_ID_INTEGER },
		{ "1234567890123456789.42", CURSOR_ID_INTEGER },
		{ "-.42", CURSOR_ID_INTEGER },
		{ "1x.42", CURSOR_ID_INTEGER },
		{ "1.42", CURSOR_ID_UUID },
		{ "1." UUID "0", CURSOR_ID_UUID },
		{ "1.' OR 1=1 --", CURSOR_ID_UUID },
		{ "1." UUID, CURSOR_ID_INTEGER },
	};

	for (size_t i = 0; i < N(bad); i++) {
		struct cursor c;
		char name[96];

		snprintf(name, sizeof(name), "\"%s\" is not a cursor", bad[i].text);
		ok(cursor_parse(bad[i].text, strlen(bad[i].text), bad[i].kind, &c) == -1, name);
	}
}

int main(void)
{
	test_round_trip();
	test_refusals();
	return tap_done();
}
