/* timefmt: RFC 3339 timestamps <-> microseconds since the epoch, by calendar
 * arithmetic alone: libc's time functions differ on years before 1970 or
 * after 2038 and know nothing of microseconds, and this must cover 1..9999. */
#include "pure/timefmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEC_PER_DAY 86400LL
#define USEC_PER_DAY (SEC_PER_DAY * USEC_PER_SEC)
#define TIMEFMT_MIN_SEC (TIMEFMT_MIN_USEC / USEC_PER_SEC)
#define TIMEFMT_MAX_SEC (TIMEFMT_MAX_USEC / USEC_PER_SEC)

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's
 * days_from_civil: years counted from March, so the leap day ends a year). */
static int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

struct civil {
	int64_t year;
	unsigned month, day;
};

/* The inverse of timefmt_days_from_civil (Hinnant's civil_from_days). */
static struct civil timefmt_civil_from_days(int64_t z)
{
	struct civil c;
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c.day = doy - (153 * mp + 2) / 5 + 1;
	c.month = mp < 10 ? mp + 3 : mp - 9;
	c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
	return c;
}

static unsigned timefmt_days_in_month(int64_t y, unsigned m)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Floor division, so times before the epoch fall into the day (or bucket)
 * that holds them rather than the one after. */
static int64_t timefmt_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return a % b < 0 ? q - 1 : q;
}

/* A read position in text[0..len): len bounds every read, so an embedded NUL
 * is just another byte that fails to match. */
struct cursor {
	const char *s;
	size_t len, pos;
};

/* Reads exactly n ASCII digits. Returns 0 and sets *out, or -1. */
static int take_digits(struct cursor *c, size_t n, int *out)
{
	int v = 0;

	if (c->len - c->pos < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = c->s[c->pos + i];

		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	c->pos += n;
	*out = v;
	return 0;
}

/* Reads one byte from set (never NUL). Returns it, or 0 when none matches. */
static char take_one_of(struct cursor *c, const char *set)
{
	char ch;

	if (c->pos >= c->len)
		return 0;
	ch = c->s[c->pos];
	if (ch == '\0' || !strchr(set, ch))
		return 0;
	c->pos++;
	return ch;
}

/* "YYYY-MM-DD" as days since the epoch. Returns 0 or -1. */
static int parse_date(struct cursor *c, int64_t *days)
{
	int y, m, d;

	if (take_digits(c, 4, &y) || !take_one_of(c, "-") || take_digits(c, 2, &m) ||
	    !take_one_of(c, "-") || take_digits(c, 2, &d))
		return -1;
	if (m < 1 || m > 12 || d < 1 || (unsigned)d > timefmt_days_in_month(y, (unsigned)m))
		return -1;
	*days = timefmt_days_from_civil(y, (unsigned)m, (unsigned)d);
	return 0;
}

/* ".d+" after the seconds, if present: the first six digits are kept, the rest
 * only checked, since telltale stores microseconds. Returns 0 or -1. */
static int parse_fraction(struct cursor *c, int64_t *usec)
{
	int64_t scale = USEC_PER_SEC / 10;
	size_t digits = 0;

	*usec = 0;
	if (!take_one_of(c, "."))
		return 0;
	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9') {
		*usec += (c->s[c->pos] - '0') * scale;
		scale /= 10;
		c->pos++;
		digits++;
	}
	return digits > 0 ? 0 : -1;
}

/* "HH:MM:SS[.frac]" as microseconds into the day; :60 (a leap second) is
 * folded onto :59 because the epoch count has no place for it. */
static int parse_clock(struct cursor *c, int64_t *usec)
{
	int h, m, s;
	int64_t frac;

	if (take_digits(c, 2, &h) || !take_one_of(c, ":") || take_digits(c, 2, &m) ||
	    !take_one_of(c, ":") || take_digits(c, 2, &s) || parse_fraction(c, &frac))
		return -1;
	if (h > 23 || m > 59 || s > 60)
		return -1;
	if (s == 60)
		s = 59;
	*usec = ((h * 60LL + m) * 60 + s) * USEC_PER_SEC + frac;
	return 0;
}

/* "Z" or "±HH:MM" as the microseconds to subtract to reach UTC. */
static int parse_offset(struct cursor *c, int64_t *usec)
{
	char sign;
	int h, m;

	*usec = 0;
	if (take_one_of(c, "Zz"))
		return 0;
	sign = take_one_of(c, "+-");
	if (!sign || take_digits(c, 2, &h) || !take_one_of(c, ":") || take_digits(c, 2, &m))
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*usec = (h * 60LL + m) * 60 * USEC_PER_SEC;
	if (sign == '-')
		*usec = -*usec;
	return 0;
}

int timefmt_parse(const char *text, size_t len, int64_t *out)
{
	struct cursor c = { text, len, 0 };
	int64_t days, clock = 0, offset = 0, usec;

	if (parse_date(&c, &days))
		return -1;
	if (c.pos < len) {
		if (!take_one_of(&c, "Tt ") || parse_clock(&c, &clock) || parse_offset(&c, &offset))
			return -1;
	}
	if (c.pos != len)
		return -1;
	usec = days * USEC_PER_DAY + clock - offset;
	if (usec < TIMEFMT_MIN_USEC || usec > TIMEFMT_MAX_USEC)
		return -1;
	*out = usec;
	return 0;
}

/* Rounds to the nearest microsecond rather than truncating: a double cannot
 * hold most decimal fractions, so 0.1 arrives as 0.09999999999999999.
 * Whole seconds and fraction are split first because a double near 2.5e17
 * microseconds is only precise to 32 of them. The range test comes before any
 * conversion to an integer, which would be undefined for 1e308. */
int timefmt_from_unix(double seconds, int64_t *out)
{
	int64_t whole, usec;

	if (!isfinite(seconds) || seconds < (double)TIMEFMT_MIN_SEC - 1 ||
	    seconds > (double)TIMEFMT_MAX_SEC + 1)
		return -1;
	whole = (int64_t)seconds;
	if ((double)whole > seconds)
		whole--;
	/* seconds - whole is exact: both share the integer part's exponent. */
	usec = whole * USEC_PER_SEC + (int64_t)((seconds - (double)whole) * 1e6 + 0.5);
	if (usec < TIMEFMT_MIN_USEC || usec > TIMEFMT_MAX_USEC)
		return -1;
	*out = usec;
	return 0;
}

/* Writes ".ffffff" without trailing zeros at p, or nothing for 0. Returns the
 * number of bytes written. */
static int format_fraction(char *p, size_t size, int64_t frac)
{
	int n;

	if (frac == 0)
		return 0;
	n = snprintf(p, size, ".%06d", (int)frac);
	while (p[n - 1] == '0')
		n--;
	return n;
}

/* Values outside [TIMEFMT_MIN_USEC, TIMEFMT_MAX_USEC] are clamped to it, so the
 * text is always a four-digit-year timestamp that fits buf and parses back. */
char *timefmt_format(int64_t usec, char *buf)
{
	int64_t days, in_day;
	struct civil c;
	int sec, n;

	if (usec < TIMEFMT_MIN_USEC)
		usec = TIMEFMT_MIN_USEC;
	if (usec > TIMEFMT_MAX_USEC)
		usec = TIMEFMT_MAX_USEC;
	days = timefmt_floor_div(usec, USEC_PER_DAY);
	in_day = usec - days * USEC_PER_DAY;
	c = timefmt_civil_from_days(days);
	sec = (int)(in_day / USEC_PER_SEC);
	n = snprintf(buf, TIMEFMT_BUFSIZE, "%04d-%02u-%02uT%02d:%02d:%02d", (int)c.year,
		     c.month, c.day, sec / 3600, sec / 60 % 60, sec % 60);
	n += format_fraction(buf + n, TIMEFMT_BUFSIZE - (size_t)n, in_day % USEC_PER_SEC);
	buf[n++] = 'Z';
	buf[n] = '\0';
	return buf;
}

/* A step of zero or less has no buckets; usec is returned unchanged rather
 * than dividing by zero. The caller keeps usec - origin_usec within int64. */
int64_t timefmt_floor(int64_t usec, int64_t step_usec, int64_t origin_usec)
{
	if (step_usec <= 0)
		return usec;
	return origin_usec + timefmt_floor_div(usec - origin_usec, step_usec) * step_usec;
}
