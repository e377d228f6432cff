/* Unit tests for urlcode: percent-decoding and query strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pure/urlcode.h"

/* A byte string with its length, so expectations may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1

static void test_decode(void)
{
	static const struct {
		const char *in; int plus; int ok; const char *want; size_t want_len;
	} cases[] = {
		{ "abc", 0, 1, B("abc") },
		{ "", 0, 1, B("") },
		{ "a%20b", 0, 1, B("a b") },
		{ "%41%62%63", 0, 1, B("Abc") },
		{ "%e2%82%ac", 0, 1, B("\xe2\x82\xac") },
		{ "%E2%82%AC", 0, 1, B("\xe2\x82\xac") },
		{ "%eA", 0, 1, B("\xea") },
		{ "%25", 0, 1, B("%") },
		{ "%2525", 0, 1, B("%25") },
		{ "a+b", 0, 1, B("a+b") },
		{ "a+b", 1, 1, B("a b") },
		{ "a%2Bb", 1, 1, B("a+b") },
		{ "%00", 0, 1, B("\0") },
		{ "a%00b", 0, 1, B("a\0b") },
		{ "%", 0, 0, NULL, 0 },
		{ "%4", 0, 0, NULL, 0 },
		{ "abc%", 0, 0, NULL, 0 },
		{ "abc%4", 0, 0, NULL, 0 },
		{ "%zz", 0, 0, NULL, 0 },
		{ "%4g", 0, 0, NULL, 0 },
		{ "%g4", 0, 0, NULL, 0 },
		{ "%%41", 0, 0, NULL, 0 },
		{ "%+1", 1, 0, NULL, 0 },
		{ "ok%20then%", 0, 0, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 99;
		char *got = urlcode_decode(cases[i].in, strlen(cases[i].in), cases[i].plus, &len);
		char name[128];

		snprintf(name, sizeof(name), "decode '%s'%s %s", cases[i].in,
			 cases[i].plus ? " (plus is space)" : "",
			 cases[i].ok ? "decoded" : "refused");
		if (cases[i].ok)
			ok(got && len == cases[i].want_len && got[len] == '\0' &&
			   memcmp(got, cases[i].want, len) == 0, name);
		else
			ok(!got, name);
		free(got);
	}

	/* n bounds the input: the escape beyond it is not read. */
	size_t len = 0;
	char *got = urlcode_decode("ab%zz", 2, 0, &len);
	ok(got && len == 2 && strcmp(got, "ab") == 0, "decode reads only s[0..n)");
	free(got);
	got = urlcode_decode("%41", 2, 0, &len);
	ok(!got, "decode refuses an escape cut by n");
	free(got);
}

/* One expected parameter: value NULL means malformed. */
struct want_param { const char *name; const char *value; size_t value_len; };

static int query_matches(const struct urlcode_query *q, const struct want_param *want,
			 size_t n)
{
	if (q->count != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const struct urlcode_param *p = &q->params[i];

		if (strcmp(p->name, want[i].name) != 0)
			return 0;
		if (!want[i].value != !p->value)
			return 0;
		if (p->value && (p->value_len != want[i].value_len ||
				 memcmp(p->value, want[i].value, p->value_len) != 0 ||
				 p->value[p->value_len] != '\0'))
			return 0;
	}
	return 1;
}

static void test_parse(void)
{
	static const struct {
		const char *qs; size_t count; struct want_param params[4];
	} cases[] = {
		{ "", 0, { { 0 } } },
		{ "a=1", 1, { { "a", B("1") } } },
		{ "a=1&b=x%20y&c", 3, { { "a", B("1") }, { "b", B("x y") }, { "c", B("") } } },
		{ "q=a+b", 1, { { "q", B("a b") } } },
		{ "q=a%2Bb", 1, { { "q", B("a+b") } } },
		{ "my+name=v", 1, { { "my name", B("v") } } },
		{ "a=1&&b=2", 2, { { "a", B("1") }, { "b", B("2") } } },
		{ "&a=1&", 1, { { "a", B("1") } } },
		{ "&&&", 0, { { 0 } } },
		{ "flag", 1, { { "flag", B("") } } },
		{ "flag=", 1, { { "flag", B("") } } },
		{ "a=b=c", 1, { { "a", B("b=c") } } },
		{ "=1&b=2", 1, { { "b", B("2") } } },
		{ "=", 0, { { 0 } } },
		{ "a=%zz&b=2", 2, { { "a", NULL, 0 }, { "b", B("2") } } },
		{ "a=50%", 1, { { "a", NULL, 0 } } },
		{ "%zz=1&b=2", 1, { { "b", B("2") } } },
		{ "a%=1", 0, { { 0 } } },
		{ "a%00b=1&c=2", 1, { { "c", B("2") } } },
		{ "v=%00", 1, { { "v", B("\0") } } },
		{ "v=a%00b", 1, { { "v", B("a\0b") } } },
		{ "a=1&a=2", 2, { { "a", B("1") }, { "a", B("2") } } },
		{ "%61=%62", 1, { { "a", B("b") } } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct urlcode_query q;
		char name[128];
		int rc = urlcode_query_parse(cases[i].qs, &q);

		snprintf(name, sizeof(name), "query '%s' gives %zu parameter%s", cases[i].qs,
			 cases[i].count, cases[i].count == 1 ? "" : "s");
		ok(rc == 0 && query_matches(&q, cases[i].params, cases[i].count), name);
		urlcode_query_free(&q);
	}
}

static void test_get_and_free(void)
{
	struct urlcode_query q;
	const struct urlcode_param *p;

	ok(urlcode_query_parse("a=1&b=2&a=3&c", &q) == 0, "get: query parsed");
	p = urlcode_query_get(&q, "a");
	ok(p && strcmp(p->value, "1") == 0, "get returns the first of repeated names");
	p = urlcode_query_get(&q, "c");
	ok(p && p->value && p->value[0] == '\0' && p->value_len == 0,
	   "get finds a name without '=' with the empty value");
	ok(urlcode_query_get(&q, "d") == NULL, "get of a missing name is NULL");
	ok(urlcode_query_get(&q, "") == NULL, "get of the empty name is NULL");
	ok(urlcode_query_get(&q, "A") == NULL, "get is case-sensitive");
	urlcode_query_free(&q);
	ok(q.params == NULL && q.count == 0, "free leaves the query empty");
	urlcode_query_free(&q);
	ok(q.count == 0, "a second free is harmless");
	ok(urlcode_query_get(&q, "a") == NULL, "get after free is NULL");

	ok(urlcode_query_parse("", &q) == 0 && q.count == 0, "empty query parses to nothing");
	ok(urlcode_query_get(&q, "a") == NULL, "get on the empty query is NULL");
	urlcode_query_free(&q);
	ok(q.count == 0 && q.params == NULL, "free on the empty query");

	ok(urlcode_query_parse("x=%4", &q) == 0, "malformed value: query parsed");
	p = urlcode_query_get(&q, "x");
	ok(p && p->value == NULL, "get finds a malformed value as NULL");
	urlcode_query_free(&q);
}

int main(void)
{
	test_decode();
	test_parse();
	test_get_and_free();
	return tap_done();
}
