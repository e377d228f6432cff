/* Unit tests for params: path ids, integers, query timestamps, intervals. */
#include <stdint.h>
#include <string.h>

#include "params.h"
#include "tap.h"
#include "timefmt.h"

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

int main(void)
{
	test_ids();
	test_int64();
	test_times();
	test_intervals();
	return tap_done();
}
