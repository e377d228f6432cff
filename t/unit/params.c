/* Unit tests for params: path ids, integers, query timestamps, intervals. */
#include <stdint.h>
#include <string.h>

#include "pure/params.h"
#include "tap.h"
#include "pure/timefmt.h"

static void test_ids(void)
{
	static const struct { const char *text; int ok; int64_t want; } cases[] = {
		{ "1", 1, 1 },
		{ "42", 1, 42 },
		{ "007", 1, 7 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "9223372036854775808", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "0", 0, 0 },
		{ "-1", 0, 0 },
		{ "+1", 0, 0 },
		{ "abc", 0, 0 },
		{ "1a", 0, 0 },
		{ " 1", 0, 0 },
		{ "", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = 0;
		char name[96];
		int rc = params_parse_id(cases[i].text, strlen(cases[i].text), &got);

		snprintf(name, sizeof(name), "id '%s' %s", cases[i].text,
			 cases[i].ok ? "accepted" : "refused");
		ok((rc == 0) == cases[i].ok && (!cases[i].ok || got == cases[i].want), name);
	}
	int64_t got;
	ok(params_parse_id("1\0" "2", 3, &got) != 0, "id with an embedded NUL refused");
}

static void test_int64(void)
{
	static const struct { const char *text; int ok; int64_t want; } cases[] = {
		{ "0", 1, 0 }, { "-5", 1, -5 }, { "50", 1, 50 },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "-9223372036854775809", 0, 0 },
		{ "", 0, 0 }, { "-", 0, 0 }, { "1.5", 0, 0 }, { "1e3", 0, 0 }, { "0x10", 0, 0 },
		{ " 5", 0, 0 }, { "5 ", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = 0;
		char name[96];
		int rc = params_parse_int64(cases[i].text, &got);

		snprintf(name, sizeof(name), "int '%s' %s", cases[i].text,
			 cases[i].ok ? "accepted" : "refused");
		ok((rc == 0) == cases[i].ok && (!cases[i].ok || got == cases[i].want), name);
	}
}

static void test_times(void)
{
	static const struct { const char *text; int ok; int64_t want; } cases[] = {
		{ "2026-02-10T10:00:00Z", 1, 1770717600LL * USEC_PER_SEC },
		{ "2026-02-10T12:00:00+02:00", 1, 1770717600LL * USEC_PER_SEC },
		/* an unescaped '+' arrives as a space */
		{ "2026-02-10T12:00:00 02:00", 1, 1770717600LL * USEC_PER_SEC },
		{ "2026-02-10 10:00:00Z", 1, 1770717600LL * USEC_PER_SEC },
		{ "2026-02-10", 1, 1770681600LL * USEC_PER_SEC },
		{ "1770717600", 1, 1770717600LL * USEC_PER_SEC },
		{ "1770717600.25", 1, 1770717600LL * USEC_PER_SEC + 250000 },
		{ "-1", 1, -USEC_PER_SEC },
		{ "", 0, 0 },
		{ "yesterday", 0, 0 },
		{ "2026-02-30", 0, 0 },
		{ "1e308", 0, 0 },
		{ "99999999999999", 0, 0 },
		{ "1.", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = 0;
		char name[96];
		int rc = params_parse_time(cases[i].text, &got);

		snprintf(name, sizeof(name), "time '%s' %s", cases[i].text,
			 cases[i].ok ? "accepted" : "refused");
		ok((rc == 0) == cases[i].ok && (!cases[i].ok || got == cases[i].want), name);
	}
}

static void test_intervals(void)
{
	is_int(params_parse_interval("hour"), INTERVAL_HOUR, "interval hour, lower case");
	is_int(params_parse_interval("Week"), INTERVAL_WEEK, "interval Week, mixed case");
	is_int(params_parse_interval("MINUTE"), INTERVAL_MINUTE, "interval MINUTE");
	is_int(params_parse_interval("month"), INTERVAL__MAX, "interval month refused");
	is_int(params_parse_interval(""), INTERVAL__MAX, "empty interval refused");

	int64_t t = 1770717600LL * USEC_PER_SEC + 123;   /* Tue 2026-02-10 10:00:00.000123 */
	is_int(params_bucket_start(INTERVAL_MINUTE, t), 1770717600LL * USEC_PER_SEC, "minute bucket");
	is_int(params_bucket_start(INTERVAL_HOUR, t + 59 * 60 * USEC_PER_SEC),
	       1770717600LL * USEC_PER_SEC, "hour bucket");
	is_int(params_bucket_start(INTERVAL_DAY, t), 1770681600LL * USEC_PER_SEC, "day bucket");
	/* Monday 2026-02-09 00:00:00Z */
	is_int(params_bucket_start(INTERVAL_WEEK, t), 1770595200LL * USEC_PER_SEC,
	       "week bucket starts Monday");
	is_int(params_bucket_start(INTERVAL_WEEK, 1770595200LL * USEC_PER_SEC),
	       1770595200LL * USEC_PER_SEC, "a Monday midnight is its own week");
	is_int(params_bucket_start(INTERVAL_WEEK, 1770595200LL * USEC_PER_SEC - 1),
	       (1770595200LL - 7 * 86400) * USEC_PER_SEC, "Sunday night is the week before");
	/* 1969-12-31T23:59:59Z is in the week starting Monday 1969-12-29 */
	is_int(params_bucket_start(INTERVAL_WEEK, -USEC_PER_SEC), -3 * 86400 * USEC_PER_SEC,
	       "week bucket before the epoch");
	is_int(params_bucket_start(INTERVAL_HOUR, -1), -3600 * USEC_PER_SEC,
	       "hour bucket before the epoch rounds down");
}

static void test_uuids(void)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000" },
		{ "123E4567-E89B-12D3-A456-42661417400A", "123e4567-e89b-12d3-a456-42661417400a" },
		{ "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000" },
		{ "123e4567e89b12d3a456426614174000", NULL },
		{ "123e4567-e89b-12d3-a456-42661417400", NULL },
		{ "123e4567-e89b-12d3-a456-4266141740000", NULL },
		{ "123e4567-e89b-12d3-a456-42661417400g", NULL },
		{ "123e4567+e89b-12d3-a456-426614174000", NULL },
		{ "123e4567-e89b-12d3-a4564-26614174000", NULL },
		{ "{23e4567-e89b-12d3-a456-42661417400}", NULL },
		{ " 23e4567-e89b-12d3-a456-426614174000", NULL },
		{ "", NULL },
		{ "1", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got[PARAMS_UUID_LEN + 1] = "";
		char name[96];
		int rc = params_parse_uuid(cases[i].text, strlen(cases[i].text), got);

		snprintf(name, sizeof(name), "uuid '%s' %s", cases[i].text,
			 cases[i].want ? "accepted" : "refused");
		ok(cases[i].want ? rc == 0 && strcmp(got, cases[i].want) == 0 : rc == -1, name);
	}
	char got[PARAMS_UUID_LEN + 1];
	ok(params_parse_uuid("123e4567-e89b-12d3-a456-42661417400\0" "0", 37, got) != 0,
	   "uuid with an embedded NUL refused");
}

static void test_numbers_and_bools(void)
{
	static const struct { const char *text; int ok; double want; } numbers[] = {
		{ "0", 1, 0 }, { "12", 1, 12 }, { "0.5", 1, 0.5 }, { "100.25", 1, 100.25 },
		{ "-1", 0, 0 }, { "", 0, 0 }, { "1.", 0, 0 }, { ".5", 0, 0 }, { "1e3", 0, 0 },
		{ "nan", 0, 0 }, { "inf", 0, 0 }, { " 1", 0, 0 }, { "1 ", 0, 0 }, { "0x10", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		double got = -1;
		char name[96];
		int rc = params_parse_number(numbers[i].text, &got);

		snprintf(name, sizeof(name), "number '%s' %s", numbers[i].text,
			 numbers[i].ok ? "accepted" : "refused");
		ok((rc == 0) == numbers[i].ok && (!numbers[i].ok || got == numbers[i].want), name);
	}
	static char huge[400];
	memset(huge, '9', sizeof(huge) - 1);
	double d;
	ok(params_parse_number(huge, &d) == -1, "a number beyond double range refused");

	static const struct { const char *text; int want; } bools[] = {
		{ "true", 1 }, { "TRUE", 1 }, { "True", 1 }, { "1", 1 },
		{ "false", 0 }, { "FALSE", 0 }, { "0", 0 },
		{ "yes", -1 }, { "", -1 }, { "t", -1 }, { "2", -1 }, { "true ", -1 },
	};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		int got = -1;
		char name[96];
		int rc = params_parse_bool(bools[i].text, &got);

		snprintf(name, sizeof(name), "bool '%s' -> %d", bools[i].text, bools[i].want);
		ok(bools[i].want < 0 ? rc == -1 : rc == 0 && got == bools[i].want, name);
	}
}

static void test_urls(void)
{
	static const struct { const char *text; int ok; } cases[] = {
		{ "http://example.com", 1 },
		{ "https://example.com/", 1 },
		{ "HTTPS://EXAMPLE.COM/a/b?c=d#e", 1 },
		{ "http://user:pw@example.com:8080/x", 1 },
		{ "http://[::1]:8080/", 1 },
		{ "http://[2001:db8::1]", 1 },
		{ "http://127.0.0.1/", 1 },
		{ "http://h?x", 1 },
		{ "http://caf\xc3\xa9.example/", 1 },
		{ "http://example.com:/", 1 },
		{ "ftp://example.com/", 0 },
		{ "example.com/path", 0 },
		{ "/relative", 0 },
		{ "http:/example.com", 0 },
		{ "http://", 0 },
		{ "http:///path", 0 },
		{ "http://:80/", 0 },
		{ "http://user@/", 0 },
		{ "http://[]/", 0 },
		{ "http://[::1/", 0 },
		{ "http://example.com:80a/", 0 },
		{ "http://example.com:123456/", 0 },
		{ "http://exa mple.com/", 0 },
		{ "http://example.com/a b", 0 },
		{ "http://example.com/\n", 0 },
		{ "http://example.com/\x7f", 0 },
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "url '%s' %s", cases[i].text,
			 cases[i].ok ? "accepted" : "refused");
		for (char *c = name; *c; c++)     /* one TAP line per case */
			if ((unsigned char)*c < ' ' || *c == 0x7f)
				*c = '?';
		ok(params_http_url_ok(cases[i].text, strlen(cases[i].text)) == cases[i].ok, name);
	}
}

#define KEY43 "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"

static void test_bearer(void)
{
	static const struct { const char *header; int ok; } cases[] = {
		{ "Bearer mkey_" KEY43, 1 },
		{ "bearer mkey_" KEY43, 1 },
		{ "BEARER   mkey_" KEY43 "  ", 1 },
		{ "Bearer\tmkey_" KEY43, 1 },
		{ "Bearer mkey_" KEY43 "A", 0 },
		{ "Bearer mkey_" KEY43 " x", 0 },
		{ "Bearer mkey_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", 0 },
		{ "Bearer mkey_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/abcde", 0 },
		{ "Bearer mkey_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd=", 0 },
		{ "Bearer xkey_" KEY43, 0 },
		{ "Bearer " KEY43 "abcde", 0 },
		{ "Basic mkey_" KEY43, 0 },
		{ "Bearermkey_" KEY43, 0 },
		{ "mkey_" KEY43, 0 },
		{ "Bearer ", 0 },
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *key = NULL;
		char name[128];
		int rc = params_bearer_mkey(cases[i].header, &key);

		snprintf(name, sizeof(name), "authorization '%s' %s", cases[i].header,
			 cases[i].ok ? "accepted" : "refused");
		ok(cases[i].ok ? rc == 0 && strncmp(key, "mkey_" KEY43, PARAMS_MKEY_LEN) == 0
			       : rc == -1, name);
	}
	const char *key;
	ok(params_bearer_mkey(NULL, &key) == -1, "no authorization header refused");
}

static void test_origins(void)
{
	static const struct {
		const char *origin, *scheme, *host;
		int same;
	} cases[] = {
		{ "http://127.0.0.1:8080", "http", "127.0.0.1:8080", 1 },
		{ "http://LocalHost:8080", "http", "localhost:8080", 1 },
		{ "HTTP://localhost", "http", "localhost", 1 },
		{ "http://localhost:80", "http", "localhost", 1 },
		{ "http://localhost", "http", "localhost:80", 1 },
		{ "https://telltale.example", "https", "telltale.example:443", 1 },
		{ "http://[::1]:8080", "http", "[::1]:8080", 1 },
		{ "http://127.0.0.1:8081", "http", "127.0.0.1:8080", 0 },
		{ "http://evil.example", "http", "127.0.0.1:8080", 0 },
		{ "https://127.0.0.1:8080", "http", "127.0.0.1:8080", 0 },
		{ "http://127.0.0.1:8080.evil.example", "http", "127.0.0.1:8080", 0 },
		{ "http://127.0.0.1", "http", "127.0.0.1:8080", 0 },
		{ "null", "http", "127.0.0.1:8080", 0 },
		{ "", "http", "127.0.0.1:8080", 0 },
		{ "http://", "http", "", 0 },
		{ "http://localhost:443", "https", "localhost", 0 },
	};
	char name[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "Origin '%s' %s %s://%s", cases[i].origin,
			 cases[i].same ? "is" : "is not", cases[i].scheme, cases[i].host);
		ok(params_same_origin(cases[i].origin, cases[i].scheme, cases[i].host) == cases[i].same, name);
	}
	ok(!params_same_origin(NULL, "http", "localhost"), "no Origin is no match");
}

int main(void)
{
	test_origins();
	test_ids();
	test_int64();
	test_times();
	test_intervals();
	test_uuids();
	test_numbers_and_bools();
	test_urls();
	test_bearer();
	return tap_done();
}
