/* params: conversions of path and query text. */
#include "params.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timefmt.h"

const char *const interval_names[INTERVAL__MAX] = { "MINUTE", "HOUR", "DAY", "WEEK" };

const int64_t interval_usec[INTERVAL__MAX] = {
	60 * USEC_PER_SEC, 3600 * USEC_PER_SEC, 86400 * USEC_PER_SEC, 7 * 86400 * USEC_PER_SEC,
};

/* 1970-01-01 was a Thursday; the first Monday after it anchors the weeks. */
#define FIRST_MONDAY_USEC (4 * 86400 * USEC_PER_SEC)

int params_parse_int64(const char *s, int64_t *out)
{
	const char *digits = s[0] == '-' ? s + 1 : s;
	char *end;
	long long v;

	if (!isdigit((unsigned char)digits[0]))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int params_parse_id(const char *s, size_t len, int64_t *out)
{
	if (len == 0 || len > 19 || strlen(s) != len || s[0] == '-')
		return -1;
	if (params_parse_int64(s, out) != 0 || *out <= 0)
		return -1;
	return 0;
}

/* 1 when s is a plain decimal number: -?digits(.digits)? */
static int is_decimal(const char *s)
{
	const char *p = s[0] == '-' ? s + 1 : s;
	size_t n = strspn(p, "0123456789");

	if (n == 0)
		return 0;
	p += n;
	if (*p == '.') {
		n = strspn(p + 1, "0123456789");
		if (n == 0)
			return 0;
		p += 1 + n;
	}
	return *p == '\0';
}

int params_parse_time(const char *s, int64_t *out)
{
	char buf[64];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	if (is_decimal(s))
		return timefmt_from_unix(strtod(s, NULL), out);
	memcpy(buf, s, len + 1);
	for (size_t i = 11; i < len; i++)
		if (buf[i] == ' ')
			buf[i] = '+';
	return timefmt_parse(buf, len, out);
}

enum interval params_parse_interval(const char *s)
{
	for (int i = 0; i < INTERVAL__MAX; i++)
		if (strcasecmp(s, interval_names[i]) == 0)
			return (enum interval)i;
	return INTERVAL__MAX;
}

int64_t params_bucket_start(enum interval iv, int64_t usec)
{
	return timefmt_floor(usec, interval_usec[iv], iv == INTERVAL_WEEK ? FIRST_MONDAY_USEC : 0);
}
