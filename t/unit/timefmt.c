/* Unit tests for timefmt: parsing, formatting, Unix seconds and buckets, with
 * libc's timegm()/gmtime_r() as the reference over generated dates. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1     /* timegm() */
#endif

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "pure/timefmt.h"

#define S(sec) ((int64_t)(sec) * USEC_PER_SEC)
#define T_2026 S(1770717600)          /* 2026-02-10T10:00:00Z, a Tuesday */
#define DAY S(86400)
#define WEEK (7 * DAY)
#define MONDAY_ORIGIN (4 * DAY)       /* 1970-01-05, the first Monday */

static void test_parse(void)
{
	static const struct {
		const char *text; size_t len; int ok; int64_t want;
	} cases[] = {
		{ "2026-02-10T10:00:00Z", 0, 1, T_2026 },
		{ "2026-02-10t10:00:00z", 0, 1, T_2026 },
		{ "2026-02-10 10:00:00Z", 0, 1, T_2026 },
		{ "2026-02-10T12:00:00+02:00", 0, 1, T_2026 },
		{ "2026-02-10T08:30:00-01:30", 0, 1, T_2026 },
		{ "2026-02-10T10:00:00+00:00", 0, 1, T_2026 },
		{ "2026-02-10T10:00:00-00:00", 0, 1, T_2026 },
		{ "2026-02-11T09:59:00+23:59", 0, 1, T_2026 },
		{ "2026-02-09T10:01:00-23:59", 0, 1, T_2026 },
		{ "2026-02-10T10:00:00.5Z", 0, 1, T_2026 + 500000 },
		{ "2026-02-10T12:00:00.5+02:00", 0, 1, T_2026 + 500000 },
		{ "2026-02-10T10:00:00.120000Z", 0, 1, T_2026 + 120000 },
		{ "2026-02-10T10:00:00.000001Z", 0, 1, T_2026 + 1 },
		{ "2026-02-10T10:00:00.1234567891234Z", 0, 1, T_2026 + 123456 },
		{ "2026-02-10T10:00:00.9999999Z", 0, 1, T_2026 + 999999 },
		{ "2026-02-10T10:00:00.0Z", 0, 1, T_2026 },
		{ "2026-02-10", 0, 1, S(1770681600) },
		{ "1970-01-01T00:00:00Z", 0, 1, 0 },
		{ "1970-01-01", 0, 1, 0 },
		{ "1969-12-31T23:59:59Z", 0, 1, -USEC_PER_SEC },
		{ "1969-12-31T23:59:59.999999Z", 0, 1, -1 },
		{ "1970-01-01T01:00:00+01:00", 0, 1, 0 },
		{ "1900-03-01", 0, 1, S(-2203891200LL) },
		{ "1066-10-14T12:00:00Z", 0, 1, S(-28502712000LL) },
		{ "1234-05-06T07:08:09Z", 0, 1, S(-23215049511LL) },
		{ "0001-01-01T00:00:00Z", 0, 1, TIMEFMT_MIN_USEC },
		{ "0001-01-01", 0, 1, TIMEFMT_MIN_USEC },
		{ "0001-01-01T00:59:00+00:59", 0, 1, TIMEFMT_MIN_USEC },
		{ "9999-12-31T23:59:59.999999Z", 0, 1, TIMEFMT_MAX_USEC },
		{ "9999-12-31T23:59:59.99999999Z", 0, 1, TIMEFMT_MAX_USEC },
		{ "9999-12-31T22:59:59.999999-01:00", 0, 1, TIMEFMT_MAX_USEC },
		/* leap years and days */
		{ "2000-02-29", 0, 1, S(951782400) },
		{ "2024-02-29", 0, 1, S(1709164800) },
		{ "1600-02-29", 0, 1, S(-11670998400LL) },
		{ "0004-02-29", 0, 1, S(-62035891200LL) },
		{ "1900-02-29", 0, 0, 0 },
		{ "2023-02-29", 0, 0, 0 },
		{ "2100-02-29", 0, 0, 0 },
		{ "2026-02-30", 0, 0, 0 },
		{ "2024-02-30", 0, 0, 0 },
		{ "2026-04-31", 0, 0, 0 },
		{ "2026-12-32", 0, 0, 0 },
		{ "2026-13-01", 0, 0, 0 },
		{ "2026-00-10", 0, 0, 0 },
		{ "2026-01-00", 0, 0, 0 },
		/* a leap second folds onto :59 */
		{ "2016-12-31T23:59:60Z", 0, 1, S(1483228799) },
		{ "2016-12-31T23:59:60.5Z", 0, 1, S(1483228799) + 500000 },
		/* clock and offset limits */
		{ "2026-02-10T24:00:00Z", 0, 0, 0 },
		{ "2026-02-10T23:60:00Z", 0, 0, 0 },
		{ "2026-02-10T23:59:61Z", 0, 0, 0 },
		{ "2026-02-10T10:00:00+24:00", 0, 0, 0 },
		{ "2026-02-10T10:00:00+23:60", 0, 0, 0 },
		{ "2026-02-10T10:00:00-24:00", 0, 0, 0 },
		/* outside 0001..9999 */
		{ "0000-12-31", 0, 0, 0 },
		{ "0001-01-01T00:00:00+00:01", 0, 0, 0 },
		{ "9999-12-31T23:59:59-00:01", 0, 0, 0 },
		{ "99999-01-01", 0, 0, 0 },
		{ "10000-01-01T00:00:00Z", 0, 0, 0 },
		/* shapes */
		{ "", 0, 0, 0 },
		{ "2026", 0, 0, 0 },
		{ "2026-02", 0, 0, 0 },
		{ "2026-2-10", 0, 0, 0 },
		{ "2026-02-1", 0, 0, 0 },
		{ "202-02-10", 0, 0, 0 },
		{ "+2026-02-10", 0, 0, 0 },
		{ "-2026-02-10", 0, 0, 0 },
		{ " 2026-02-10", 0, 0, 0 },
		{ "2026-02-10 ", 0, 0, 0 },
		{ "2026/02/10", 0, 0, 0 },
		{ "2026-02-10T", 0, 0, 0 },
		{ "2026-02-10X10:00:00Z", 0, 0, 0 },
		{ "2026-02-10T10:00Z", 0, 0, 0 },
		{ "2026-02-10T10Z", 0, 0, 0 },
		{ "2026-02-10T1:00:00Z", 0, 0, 0 },
		{ "2026-02-10T10:00:00", 0, 0, 0 },
		{ "2026-02-10T10:00:00.Z", 0, 0, 0 },
		{ "2026-02-10T10:00:00,5Z", 0, 0, 0 },
		{ "2026-02-10T10:00:00ZZ", 0, 0, 0 },
		{ "2026-02-10T10:00:00Z ", 0, 0, 0 },
		{ "2026-02-10T10:00:00UTC", 0, 0, 0 },
		{ "2026-02-10T10:00:00+02", 0, 0, 0 },
		{ "2026-02-10T10:00:00+0200", 0, 0, 0 },
		{ "2026-02-10T10:00:00+2:00", 0, 0, 0 },
		{ "2026-02-10T10:00:00 02:00", 0, 0, 0 },
		{ "2026-02-10T-1:00:00Z", 0, 0, 0 },
		{ "2026-02-10T10:00:00+02:00:00", 0, 0, 0 },
		{ "yesterday", 0, 0, 0 },
		{ "1770717600", 0, 0, 0 },
		/* len, not a NUL, ends the text */
		{ "2026-02-10\0", 11, 0, 0 },
		{ "2026-02-10T10:00:00Z\0", 21, 0, 0 },
		{ "2026-02-10T10:00:00\0Z", 21, 0, 0 },
		{ "2026\0-02-10", 11, 0, 0 },
		{ "2026-02-10T10:00:00Z", 10, 1, S(1770681600) },
		{ "2026-02-10T10:00:00Z", 19, 0, 0 },
		{ "2026-02-10T10:00:00.5Z", 19, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int64_t got = 12345;
		char name[128];
		int rc = timefmt_parse(cases[i].text, len, &got);

		snprintf(name, sizeof(name), "parse '%.*s' (%zu bytes) %s", (int)strlen(cases[i].text),
			 cases[i].text, len, cases[i].ok ? "accepted" : "refused");
		if (cases[i].ok) {
			ok(rc == 0 && got == cases[i].want, name);
			if (got != cases[i].want)
				printf("#   got %" PRId64 ", want %" PRId64 "\n", got, cases[i].want);
		} else {
			ok(rc == -1 && got == 12345, name);
		}
	}
}

static void test_format(void)
{
	static const struct { int64_t usec; const char *want; } cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ T_2026, "2026-02-10T10:00:00Z" },
		{ T_2026 + 120000, "2026-02-10T10:00:00.12Z" },
		{ T_2026 + 123456, "2026-02-10T10:00:00.123456Z" },
		{ T_2026 + 500000, "2026-02-10T10:00:00.5Z" },
		{ T_2026 + 1, "2026-02-10T10:00:00.000001Z" },
		{ T_2026 + 100, "2026-02-10T10:00:00.0001Z" },
		{ -1, "1969-12-31T23:59:59.999999Z" },
		{ -USEC_PER_SEC, "1969-12-31T23:59:59Z" },
		{ -DAY, "1969-12-31T00:00:00Z" },
		{ -DAY - 1, "1969-12-30T23:59:59.999999Z" },
		{ S(951782400), "2000-02-29T00:00:00Z" },
		{ S(1709164800), "2024-02-29T00:00:00Z" },
		{ S(-2203977600LL), "1900-02-28T00:00:00Z" },
		{ S(-2203977600LL) + DAY, "1900-03-01T00:00:00Z" },
		{ S(-12219292800LL), "1582-10-15T00:00:00Z" },
		{ S(-12219292800LL) - DAY, "1582-10-14T00:00:00Z" },
		{ S(-23215049511LL), "1234-05-06T07:08:09Z" },
		{ TIMEFMT_MIN_USEC, "0001-01-01T00:00:00Z" },
		{ TIMEFMT_MIN_USEC + 1, "0001-01-01T00:00:00.000001Z" },
		{ TIMEFMT_MAX_USEC, "9999-12-31T23:59:59.999999Z" },
		/* clamped to the range */
		{ TIMEFMT_MAX_USEC + 1, "9999-12-31T23:59:59.999999Z" },
		{ INT64_MAX, "9999-12-31T23:59:59.999999Z" },
		{ TIMEFMT_MIN_USEC - 1, "0001-01-01T00:00:00Z" },
		{ INT64_MIN, "0001-01-01T00:00:00Z" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[TIMEFMT_BUFSIZE], name[128];
		char *got = timefmt_format(cases[i].usec, buf);

		snprintf(name, sizeof(name), "format %" PRId64 " as %s", cases[i].usec, cases[i].want);
		ok(got == buf, "format returns buf");
		is_str(got, cases[i].want, name);
	}

	char buf[TIMEFMT_BUFSIZE];
	int64_t usec = 0;
	static const char trailing[] = "2026-02-10T10:00:00.120000Z";
	ok(timefmt_parse(trailing, sizeof(trailing) - 1, &usec) == 0,
	   "parse a fraction with trailing zeros");
	is_str(timefmt_format(usec, buf), "2026-02-10T10:00:00.12Z", "trailing zeros trimmed on output");
}

static void test_from_unix(void)
{
	static const struct { double seconds; int ok; int64_t want; const char *what; } cases[] = {
		{ 0, 1, 0, "zero" },
		{ -0.0, 1, 0, "negative zero" },
		{ 1770717600, 1, T_2026, "whole seconds" },
		{ 1770717600.25, 1, T_2026 + 250000, "quarter second" },
		{ 1770717600.5, 1, T_2026 + 500000, "half second" },
		{ 1770717600.123456, 1, T_2026 + 123456, "microseconds round to nearest" },
		{ 0.1, 1, 100000, "0.1, not exact in binary" },
		{ 1.000001, 1, 1000001, "one microsecond past a second" },
		{ 1e-7, 1, 0, "below half a microsecond rounds to 0" },
		{ 6e-7, 1, 1, "above half a microsecond rounds to 1" },
		{ -1, 1, -USEC_PER_SEC, "minus one second" },
		{ -0.5, 1, -500000, "minus half a second" },
		{ -1.25, 1, -1250000, "minus 1.25 seconds" },
		{ -0.000001, 1, -1, "minus one microsecond" },
		{ -62135596800.0, 1, TIMEFMT_MIN_USEC, "0001-01-01, the lowest" },
		{ 253402300799.0, 1, TIMEFMT_MAX_USEC - 999999, "9999-12-31T23:59:59" },
		{ 253402300799.5, 1, TIMEFMT_MAX_USEC - 499999, "9999-12-31T23:59:59.5" },
		{ -62135596800.5, 0, 0, "half a second before 0001" },
		{ -62135596801.0, 0, 0, "a second before 0001" },
		{ 253402300800.0, 0, 0, "10000-01-01" },
		{ 1e14, 0, 0, "1e14" },
		{ 1e308, 0, 0, "1e308" },
		{ -1e308, 0, 0, "-1e308" },
		{ 9.3e18, 0, 0, "beyond int64 microseconds and seconds" },
		{ (double)INFINITY, 0, 0, "infinity" },
		{ -(double)INFINITY, 0, 0, "minus infinity" },
		{ (double)NAN, 0, 0, "NaN" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = 12345;
		char name[128];
		int rc = timefmt_from_unix(cases[i].seconds, &got);

		snprintf(name, sizeof(name), "from_unix %s %s", cases[i].what,
			 cases[i].ok ? "accepted" : "refused");
		if (cases[i].ok) {
			ok(rc == 0 && got == cases[i].want, name);
			if (got != cases[i].want)
				printf("#   got %" PRId64 ", want %" PRId64 "\n", got, cases[i].want);
		} else {
			ok(rc == -1 && got == 12345, name);
		}
	}
}

static void test_floor(void)
{
	static const struct {
		int64_t usec, step, origin, want; const char *what;
	} cases[] = {
		{ S(125), S(60), 0, S(120), "minute, positive" },
		{ S(120), S(60), 0, S(120), "minute, on the boundary" },
		{ 0, S(60), 0, 0, "zero" },
		{ -1, S(60), 0, S(-60), "one microsecond before the epoch" },
		{ S(-60), S(60), 0, S(-60), "negative boundary is its own bucket" },
		{ S(-61), S(60), 0, S(-120), "negative, past the boundary" },
		{ -1, S(3600), 0, S(-3600), "hour before the epoch" },
		{ T_2026 + 123, DAY, 0, S(1770681600), "day" },
		{ T_2026 + 123, WEEK, MONDAY_ORIGIN, S(1770595200), "week starts Monday" },
		{ S(1770595200), WEEK, MONDAY_ORIGIN, S(1770595200), "Monday midnight is its own week" },
		{ S(1770595200) - 1, WEEK, MONDAY_ORIGIN, S(1770595200) - WEEK, "Sunday night is the week before" },
		{ -USEC_PER_SEC, WEEK, MONDAY_ORIGIN, S(-259200), "week before the epoch: Monday 1969-12-29" },
		{ 0, WEEK, MONDAY_ORIGIN, S(-259200), "the epoch, a Thursday" },
		{ TIMEFMT_MIN_USEC + DAY, WEEK, MONDAY_ORIGIN, TIMEFMT_MIN_USEC, "0001-01-01 was a Monday" },
		{ S(-259200) - 1, WEEK, MONDAY_ORIGIN, S(-259200) - WEEK, "just before a negative Monday" },
		{ 7, 5, 3, 3, "origin not a multiple of the step" },
		{ 2, 5, 3, -2, "below the origin" },
		{ -8, 5, 3, -12, "negative, below the origin" },
		{ S(77), 0, 0, S(77), "a zero step leaves the value" },
		{ S(77), -5, 0, S(77), "a negative step leaves the value" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "floor: %s", cases[i].what);
		is_int(timefmt_floor(cases[i].usec, cases[i].step, cases[i].origin), cases[i].want, name);
	}
}

/* xorshift64: a fixed sequence, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define LIBC_MIN_SEC (-2208988800LL)   /* 1900-01-01T00:00:00Z */
#define LIBC_MAX_SEC 253402300799LL    /* 9999-12-31T23:59:59Z */
#define ROUNDS 20000

/* Microseconds -> text: format agrees with gmtime_r and parses back. */
static void test_against_gmtime(void)
{
	size_t fields_bad = 0, round_bad = 0;

	for (int i = 0; i < ROUNDS; i++) {
		time_t sec = (time_t)(LIBC_MIN_SEC + (int64_t)(rng_next() %
				(uint64_t)(LIBC_MAX_SEC - LIBC_MIN_SEC + 1)));
		int64_t frac = (int64_t)(rng_next() % 4 == 0 ? 0 : rng_next() % 1000000);
		int64_t usec = (int64_t)sec * USEC_PER_SEC + frac, back = 0;
		char buf[TIMEFMT_BUFSIZE], want[64];
		struct tm tm;

		timefmt_format(usec, buf);
		gmtime_r(&sec, &tm);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		if (strncmp(buf, want, 19) != 0 && fields_bad++ == 0)
			printf("# first mismatch: %s, gmtime_r %s\n", buf, want);
		if ((timefmt_parse(buf, strlen(buf), &back) != 0 || back != usec) && round_bad++ == 0)
			printf("# first round trip failure: %" PRId64 " -> %s -> %" PRId64 "\n",
			       usec, buf, back);
	}
	is_int(fields_bad, 0, "format agrees with gmtime_r on 20000 times from 1900 to 9999");
	is_int(round_bad, 0, "parse(format(x)) == x on 20000 times from 1900 to 9999");
}

/* Text -> microseconds: random fields, days up to 31 and random offsets, so
 * impossible dates come up too; timegm normalises those, which is how the
 * reference tells them apart. */
static void test_against_timegm(void)
{
	size_t value_bad = 0, accept_bad = 0, invalid = 0;

	for (int i = 0; i < ROUNDS; i++) {
		struct tm tm = { 0 }, check;
		int off = rng_next() % 3 == 0 ? 0 : (int)(rng_next() % (2 * 1439 + 1)) - 1439;
		int64_t got = 0, want;
		char text[64];
		time_t t;

		/* 1900..9998: an offset may not push the last year past 9999 */
		tm.tm_year = (int)(rng_next() % 8099);
		tm.tm_mon = (int)(rng_next() % 12);
		tm.tm_mday = 1 + (int)(rng_next() % 31);
		tm.tm_hour = (int)(rng_next() % 24);
		tm.tm_min = (int)(rng_next() % 60);
		tm.tm_sec = (int)(rng_next() % 60);
		int n = snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
		if (off == 0)
			snprintf(text + n, sizeof(text) - (size_t)n, "Z");
		else
			snprintf(text + n, sizeof(text) - (size_t)n, "%c%02d:%02d",
				 off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
		check = tm;
		t = timegm(&check);
		int valid = check.tm_mday == tm.tm_mday && check.tm_mon == tm.tm_mon;
		want = ((int64_t)t - off * 60LL) * USEC_PER_SEC;
		int rc = timefmt_parse(text, strlen(text), &got);

		invalid += !valid;
		if ((rc == 0) != valid && accept_bad++ == 0)
			printf("# first acceptance mismatch: %s, timegm says %s\n", text,
			       valid ? "valid" : "invalid");
		if (valid && rc == 0 && got != want && value_bad++ == 0)
			printf("# first value mismatch: %s -> %" PRId64 ", timegm %" PRId64 "\n",
			       text, got, want);
	}
	ok(invalid > 100, "the generated dates include impossible ones (day 29-31)");
	is_int(accept_bad, 0, "parse accepts exactly the dates timegm keeps, 20000 texts with offsets");
	is_int(value_bad, 0, "parse agrees with timegm minus the offset, 20000 texts");
}

int main(void)
{
	ok(sizeof(time_t) >= 8, "time_t is 64-bit, so libc can serve as the reference");
	test_parse();
	test_format();
	test_from_unix();
	test_floor();
	test_against_gmtime();
	test_against_timegm();
	return tap_done();
}
