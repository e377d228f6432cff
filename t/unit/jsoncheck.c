/* Unit tests for jsoncheck: grammar, depth, NUL and UTF-8, with the offset and
 * the field path of each fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure/jsoncheck.h"
#include "tap.h"

#define FFFD "\xef\xbf\xbd"

/* Short names keep the table one case a line. */
enum {
	OK = JSONCHECK_OK,
	SYNTAX = JSONCHECK_SYNTAX,
	DEPTH = JSONCHECK_DEPTH,
	NUL = JSONCHECK_NUL,
	UTF8 = JSONCHECK_UTF8,
};

static const char *const status_names[] = { "OK", "SYNTAX", "DEPTH", "NUL", "UTF8" };

/* A byte string with its length, so cases may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1

struct check_case {
	const char *text;
	size_t len;
	int max_depth;
	int status;
	size_t offset;
	const char *field;
};

/* Checks one text and reports status, offset and field as one test. */
static void check(const char *text, size_t len, int max_depth, int status, size_t offset,
		  const char *field, const char *name)
{
	struct jsoncheck_result res;
	enum jsoncheck_status st;

	memset(&res, 0x55, sizeof(res));
	st = jsoncheck(text, len, max_depth, &res);
	if (!ok(st == (enum jsoncheck_status)status && res.status == st &&
		res.offset == offset && strcmp(res.field, field) == 0, name))
		printf("#   got %s at %zu field '%.*s', want %s at %zu field '%s'\n",
		       st <= JSONCHECK_UTF8 ? status_names[st] : "?", res.offset,
		       (int)strnlen(res.field, sizeof(res.field)), res.field,
		       status_names[status], offset, field);
}

static const struct check_case cases[] = {
	/* valid documents */
	{ B("{}"), 32, OK, 0, "" },
	{ B("[]"), 32, OK, 0, "" },
	{ B("0"), 32, OK, 0, "" },
	{ B("-0"), 32, OK, 0, "" },
	{ B("-0.0e+0"), 32, OK, 0, "" },
	{ B("12.5E10"), 32, OK, 0, "" },
	{ B("1e-5"), 32, OK, 0, "" },
	{ B("-123456789012345678901234567890"), 32, OK, 0, "" },
	{ B("\"x\""), 32, OK, 0, "" },
	{ B("true"), 32, OK, 0, "" },
	{ B("false"), 32, OK, 0, "" },
	{ B("null"), 32, OK, 0, "" },
	{ B(" \t\r\n{\"a\" : [1, 2.5, true, null, \"s\"] } \n"), 32, OK, 0, "" },
	{ B("{\"m\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u20AC\"}"), 32, OK, 0, "" },
	{ B("\"\\ud83d\\ude00\""), 32, OK, 0, "" },
	{ B("\"\\uD83D\\uDE00\""), 32, OK, 0, "" },
	{ B("\"\\udbff\\udfff\""), 32, OK, 0, "" },
	{ B("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\""), 32, OK, 0, "" },
	{ B("\"\\u0001 \x7f \xc2\x85\""), 32, OK, 0, "" },
	{ B("{\"a\":{\"b\":{\"c\":[]}}}"), 32, OK, 0, "" },
	{ B("[[],[[]],{},[{}]]"), 32, OK, 0, "" },
	{ B("{\"\":1,\"a\":1,\"a\":2}"), 32, OK, 0, "" },
	{ "[1]xyz", 3, 32, OK, 0, "" },
	/* not one RFC 8259 value */
	{ B(""), 32, SYNTAX, 0, "" },
	{ B("   "), 32, SYNTAX, 3, "" },
	{ B("NaN"), 32, SYNTAX, 0, "" },
	{ B("Infinity"), 32, SYNTAX, 0, "" },
	{ B("-Infinity"), 32, SYNTAX, 1, "" },
	{ B("01"), 32, SYNTAX, 1, "" },
	{ B("-01"), 32, SYNTAX, 2, "" },
	{ B("+1"), 32, SYNTAX, 0, "" },
	{ B("1."), 32, SYNTAX, 2, "" },
	{ B(".5"), 32, SYNTAX, 0, "" },
	{ B("1e"), 32, SYNTAX, 2, "" },
	{ B("1e+"), 32, SYNTAX, 3, "" },
	{ B("-"), 32, SYNTAX, 1, "" },
	{ B("0x10"), 32, SYNTAX, 1, "" },
	{ B("[1,]"), 32, SYNTAX, 3, "[1]" },
	{ B("[1,,2]"), 32, SYNTAX, 3, "[1]" },
	{ B("{\"a\":1,}"), 32, SYNTAX, 7, "" },
	{ B("[1 2]"), 32, SYNTAX, 3, "[0]" },
	{ B("{'a':1}"), 32, SYNTAX, 1, "" },
	{ B("['a']"), 32, SYNTAX, 1, "[0]" },
	{ B("{\"a\" 1}"), 32, SYNTAX, 5, "a" },
	{ B("{\"a\":}"), 32, SYNTAX, 5, "a" },
	{ B("{a:1}"), 32, SYNTAX, 1, "" },
	{ B("{\"a\":1 \"b\":2}"), 32, SYNTAX, 7, "a" },
	{ B("[1]]"), 32, SYNTAX, 3, "" },
	{ B("{} {}"), 32, SYNTAX, 3, "" },
	{ B("1 2"), 32, SYNTAX, 2, "" },
	{ B("[1] x"), 32, SYNTAX, 4, "" },
	{ B("\"abc"), 32, SYNTAX, 4, "" },
	{ B("[\"abc"), 32, SYNTAX, 5, "[0]" },
	{ B("\"a\tb\""), 32, SYNTAX, 2, "" },
	{ B("\"a\nb\""), 32, SYNTAX, 2, "" },
	{ B("\"\\x\""), 32, SYNTAX, 1, "" },
	{ B("\"\\'\""), 32, SYNTAX, 1, "" },
	{ B("\"\\u12\""), 32, SYNTAX, 1, "" },
	{ B("\"\\u12G4\""), 32, SYNTAX, 1, "" },
	{ B("\"\\U0041\""), 32, SYNTAX, 1, "" },
	{ B("\"\\"), 32, SYNTAX, 1, "" },
	{ B("tru"), 32, SYNTAX, 0, "" },
	{ B("nul"), 32, SYNTAX, 0, "" },
	{ B("True"), 32, SYNTAX, 0, "" },
	{ B("truex"), 32, SYNTAX, 4, "" },
	{ B("["), 32, SYNTAX, 1, "[0]" },
	{ B("{"), 32, SYNTAX, 1, "" },
	{ B("[1,2"), 32, SYNTAX, 4, "[1]" },
	{ B("{\"a\":[1,{\"b\":"), 32, SYNTAX, 13, "a[1].b" },
	{ B("{\"a\":[1,{\"b\":2}]"), 32, SYNTAX, 16, "a" },
	{ B("\xef\xbb\xbf{}"), 32, SYNTAX, 0, "" },
	{ B("/* c */ 1"), 32, SYNTAX, 0, "" },
	{ B("[1,\0]"), 32, SYNTAX, 3, "[1]" },
	{ B("\0"), 32, SYNTAX, 0, "" },
	{ B("{\"a\":1}\0"), 32, SYNTAX, 7, "" },
	{ B("[1]\v"), 32, SYNTAX, 3, "" },
	/* depth */
	{ B("{\"a\":{\"b\":[1]}}"), 2, DEPTH, 10, "a.b" },
	{ B("{\"a\":{\"b\":[1]}}"), 3, OK, 0, "" },
	{ B("[{\"x\":[[1]]}]"), 3, DEPTH, 7, "[0].x[0]" },
	{ B("[1,[2,[3]]]"), 2, DEPTH, 6, "[1][1]" },
	{ B("1"), 0, OK, 0, "" },
	{ B("[]"), 0, DEPTH, 0, "" },
	{ B("{}"), -5, DEPTH, 0, "" },
	/* NUL, escaped or raw */
	{ B("\"a\\u0000b\""), 32, NUL, 2, "" },
	{ B("{\"message\":\"a\\u0000\"}"), 32, NUL, 13, "message" },
	{ B("[\"ok\",\"x\0y\"]"), 32, NUL, 8, "[1]" },
	{ B("\"\\\0\""), 32, NUL, 2, "" },
	{ B("\"abc\0"), 32, NUL, 4, "" },
	{ B("{\"k\\u0000ey\":1}"), 32, NUL, 3, "k" FFFD "ey" },
	{ B("{\"k\0\":1}"), 32, NUL, 3, "k" FFFD },
	{ B("{\"stack\":{\"frames\":[{\"file\":\"a\",\"li\\u0000ne\":1}]}}"), 32, NUL, 35,
	  "stack.frames[0].li" FFFD "ne" },
	/* UTF-8 */
	{ B("\"\xc0\xaf\""), 32, UTF8, 1, "" },
	{ B("\"\xc1\xbf\""), 32, UTF8, 1, "" },
	{ B("\"\xe0\x80\xaf\""), 32, UTF8, 1, "" },
	{ B("\"\xf0\x80\x80\xaf\""), 32, UTF8, 1, "" },
	{ B("\"\xed\xa0\x80\""), 32, UTF8, 1, "" },
	{ B("\"\xed\xbf\xbf\""), 32, UTF8, 1, "" },
	{ B("\"\xf4\x90\x80\x80\""), 32, UTF8, 1, "" },
	{ B("\"\xf5\x80\x80\x80\""), 32, UTF8, 1, "" },
	{ B("\"ab\xe2\x82\""), 32, UTF8, 3, "" },
	{ B("\"ab\xe2\x82"), 32, UTF8, 3, "" },
	{ B("\"\x80\""), 32, UTF8, 1, "" },
	{ B("\"\xff\""), 32, UTF8, 1, "" },
	{ B("\"\\ud800\""), 32, UTF8, 1, "" },
	{ B("\"\\udc00\""), 32, UTF8, 1, "" },
	{ B("\"\\udfff\""), 32, UTF8, 1, "" },
	{ B("\"x\\ud800y\""), 32, UTF8, 2, "" },
	{ B("\"\\ud800\\u0041\""), 32, UTF8, 1, "" },
	{ B("\"\\ud83d\\ud83d\""), 32, UTF8, 1, "" },
	{ B("\"\\ude00\\ud83d\""), 32, UTF8, 1, "" },
	{ B("\"\\ud800\\uZZZZ\""), 32, UTF8, 1, "" },
	{ B("{\"stack\":{\"frames\":[{},{},{},{\"file\":\"\xff\"}]}}"), 32, UTF8, 38,
	  "stack.frames[3].file" },
	{ B("[{},{},{},{},{},{},{},{\"level\":\"\xc3\"}]"), 32, UTF8, 32, "[7].level" },
	{ B("{\"a\xff" "b\":1}"), 32, UTF8, 3, "a" FFFD "b" },
	{ B("{\"x\\ud800y\":1}"), 32, UTF8, 3, "x" FFFD "y" },
	{ B("{\"\xc0\xaf\":1}"), 32, UTF8, 2, FFFD },
	{ B("{\"tags\":{\"\xe2\x82\":\"v\"}}"), 32, UTF8, 10, "tags." FFFD },
	{ B("{\"a\\\"b\":\"\xff\"}"), 32, UTF8, 9, "a\\\"b" },
	{ B("{\"a\\u00e9\":{\"b\\u0000\\n\xff\":1}}"), 32, NUL, 14,
	  "a\\u00e9.b" FFFD "\\n" FFFD },
	/* the first fault in document order wins */
	{ B("[\"\xff\",\"\\u0000\"]"), 32, UTF8, 2, "[0]" },
	{ B("[\"\\u0000\",\"\xff\"]"), 32, NUL, 2, "[0]" },
	{ B("[\"\xff\",]"), 32, UTF8, 2, "[0]" },
	{ B("[1,]\"\xff\""), 32, SYNTAX, 3, "[1]" },
	{ B("[[[\"\xff\"]]]"), 2, DEPTH, 2, "[0][0]" },
	{ B("[\"\\u0000\",[[[1]]]]"), 2, NUL, 2, "[0]" },
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct check_case *c = &cases[i];
		char name[200], shown[80];
		size_t n = 0;

		/* The text in the name, with bytes outside printable ASCII as \xHH. */
		for (size_t k = 0; k < c->len && n < sizeof(shown) - 5; k++) {
			unsigned char b = (unsigned char)c->text[k];

			if (b >= 0x20 && b < 0x7f)
				shown[n++] = (char)b;
			else
				n += (size_t)snprintf(shown + n, sizeof(shown) - n, "\\x%02x", b);
		}
		shown[n] = '\0';
		snprintf(name, sizeof(name), "%s (depth %d) -> %s%s%s", shown, c->max_depth,
			 status_names[c->status], *c->field ? " at " : "", c->field);
		check(c->text, c->len, c->max_depth, c->status, c->offset, c->field, name);
	}
}

/* "[0]" repeated n times: the path to the innermost of nested arrays. */
static char *zero_path(int n)
{
	char *p = malloc((size_t)n * 3 + 1);

	if (!p)
		return NULL;
	for (int i = 0; i < n; i++)
		memcpy(p + 3 * i, "[0]", 3);
	p[3 * n] = '\0';
	return p;
}

/* depth '[' followed by depth ']'. */
static char *nested(size_t depth, int closed)
{
	char *t = malloc(2 * depth + 1);

	if (!t)
		return NULL;
	memset(t, '[', depth);
	memset(t + depth, ']', closed ? depth : 0);
	t[closed ? 2 * depth : depth] = '\0';
	return t;
}

static void test_depth(void)
{
	char *t32 = nested(32, 1), *t33 = nested(33, 1), *deep = nested(100000, 0);
	char *t64 = nested(64, 1), *t65 = nested(65, 1), *closed = nested(100000, 1);
	char *p32 = zero_path(32), *p64 = zero_path(64);

	if (!t32 || !t33 || !deep || !t64 || !t65 || !closed || !p32 || !p64) {
		ok(0, "no memory for the depth tests");
		goto out;
	}
	check(t32, 64, 32, OK, 0, "", "exactly 32 deep with max_depth 32 is fine");
	check(t33, 66, 32, DEPTH, 32, p32, "33 deep with max_depth 32 stops at the 33rd '['");
	check(deep, 100000, 32, DEPTH, 32, p32, "100,000 '[' stop at max_depth + 1");
	check(closed, 200000, 32, DEPTH, 32, p32, "100,000 balanced arrays stop at max_depth + 1");
	check(t64, 128, 100, OK, 0, "", "64 deep with max_depth 100 is fine");
	check(t65, 130, 100, DEPTH, 64, p64, "max_depth above 64 is taken as 64");
	check(deep, 100000, 1000000, DEPTH, 64, p64, "100,000 '[' with a huge max_depth stop at 65");
out:
	free(t32);
	free(t33);
	free(deep);
	free(t64);
	free(t65);
	free(closed);
	free(p32);
	free(p64);
}

/* {"<key>":"\xff"} with the key given. */
static void check_long_key(const char *key, const char *want_field, const char *name)
{
	size_t klen = strlen(key);
	char *text = malloc(klen + 16);

	if (!text) {
		ok(0, name);
		return;
	}
	memcpy(text, "{\"", 2);
	memcpy(text + 2, key, klen);
	memcpy(text + 2 + klen, "\":\"\xff\"}", 7);
	check(text, klen + 9, 32, UTF8, klen + 5, want_field, name);
	free(text);
}

static void test_long_paths(void)
{
	char key[400], want[400];

	memset(key, 'a', 300);
	key[300] = '\0';
	memset(want, 'a', 255);
	want[255] = '\0';
	check_long_key(key, want, "a 300-byte key is cut to 255 bytes");

	/* 254 ASCII bytes and a two-byte character: the cut falls inside it. */
	memset(key, 'b', 254);
	memcpy(key + 254, "\xc3\xa9", 3);
	memcpy(want, key, 254);
	want[254] = '\0';
	check_long_key(key, want, "the cut does not split a two-byte character");

	/* 253 bytes and a four-byte character: 253 is kept. */
	memset(key, 'c', 253);
	memcpy(key + 253, "\xf0\x9f\x98\x80", 5);
	memcpy(want, key, 253);
	want[253] = '\0';
	check_long_key(key, want, "the cut does not split a four-byte character");

	/* 252 bytes and a three-byte character end exactly at 255: kept whole. */
	memset(key, 'd', 252);
	memcpy(key + 252, "\xe2\x82\xac", 4);
	check_long_key(key, key, "a path of exactly 255 bytes is kept whole");

	/* A bad key, long: its replacement characters are cut whole too. */
	struct jsoncheck_result res;
	char text[400];
	memcpy(text, "{\"", 2);
	memset(text + 2, 'e', 254);
	memcpy(text + 256, "\xff\xff\":1}", 7);
	jsoncheck(text, 262, 32, &res);
	memset(want, 'e', 254);
	want[254] = '\0';
	ok(res.status == JSONCHECK_UTF8 && res.offset == 256 && strcmp(res.field, want) == 0,
	   "a long bad key: the U+FFFD that does not fit is left out whole");
}

static void test_result(void)
{
	struct jsoncheck_result res;

	memset(&res, 0x55, sizeof(res));
	is_int(jsoncheck("[1]", 3, 32, &res), JSONCHECK_OK, "return value is the status");
	ok(res.status == JSONCHECK_OK && res.field[0] == '\0', "OK leaves status OK and field empty");
	is_int(jsoncheck("[\"\xff\"]", 5, 32, &res), res.status, "return value equals res->status");
}

/* "[" or "{"-led text of n repetitions of item between head and tail; the
 * caller frees it. */
static char *repeated(const char *head, const char *item, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), il = strlen(item), tl = strlen(tail);
	char *text = malloc(hl + n * (il + 1) + tl + 1), *p = text;

	if (!text)
		return NULL;
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, item, il);
		p += il;
	}
	memcpy(p, tail, tl + 1);
	*len = (size_t)(p - text) + tl;
	return text;
}

/* The cap on values and keys: per document, or per element of a root array. */
static void test_value_count(void)
{
	static const struct {
		const char *head, *item, *tail;
		size_t n;
		enum jsoncheck_status want;
		const char *name;
	} counts[] = {
		/* root object, key, array: 3 values before the items */
		{ "{\"a\":[", "{}", "]}", JSONCHECK_MAX_VALUES - 3, JSONCHECK_OK, "{\"a\":[{},…]} of exactly the cap" },
		{ "{\"a\":[", "{}", "]}", JSONCHECK_MAX_VALUES - 2, JSONCHECK_TOO_MANY, "one value past the cap" },
		{ "{", "\"k\":0", "}", JSONCHECK_MAX_VALUES / 2, JSONCHECK_TOO_MANY, "keys count too" },
		{ "[[", "0", "]]", JSONCHECK_MAX_VALUES, JSONCHECK_TOO_MANY, "one element of a root array past the cap" },
		{ "[", "[0,0,0,0,0,0,0,0,0]", "]", JSONCHECK_MAX_VALUES / 5, JSONCHECK_OK,
		  "a root array counts each element apart (twice the cap in all)" },
		{ "[", "1", "]", 3 * JSONCHECK_MAX_VALUES, JSONCHECK_OK, "a root array of many scalars" },
	};

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct jsoncheck_result res;
		size_t len;
		char *text = repeated(counts[i].head, counts[i].item, counts[i].n, counts[i].tail, &len);

		if (!text) {
			ok(0, "no memory for the value count tests");
			continue;
		}
		if (!tap_ok(jsoncheck(text, len, 32, &res) == counts[i].want, __FILE__, __LINE__, counts[i].name))
			printf("#   status %d at offset %zu\n", res.status, res.offset);
		free(text);
	}
}

int main(void)
{
	test_table();
	test_depth();
	test_value_count();
	test_long_paths();
	test_result();
	return tap_done();
}
