/* cursor: see cursor.h. */
#include "pure/cursor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* s[0..n) as a decimal integer of 1 to 18 digits, optionally negative (times
 * before 1970). */
static int parse_usec(const char *s, size_t n, int64_t *out)
{
	size_t i = n > 0 && s[0] == '-';
	int64_t v = 0;

	if (n - i < 1 || n - i > 18)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = s[0] == '-' ? -v : v;
	return 0;
}

/* s[0..n) as a positive integer id of at most 18 digits, without a leading
 * zero, into out. */
static int parse_integer_id(const char *s, size_t n, char *out)
{
	if (n < 1 || n > 18 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int cursor_parse(const char *s, size_t n, enum cursor_id kind, struct cursor *out)
{
	const char *dot = memchr(s, '.', n);
	size_t head;

	if (!dot)
		return -1;
	head = (size_t)(dot - s);
	if (parse_usec(s, head, &out->usec) != 0)
		return -1;
	s += head + 1;
	n -= head + 1;
	if (kind == CURSOR_ID_INTEGER)
		return parse_integer_id(s, n, out->id);
	return params_parse_uuid(s, n, out->id);
}

void cursor_format(int64_t usec, const char *id, char out[CURSOR_TEXT_MAX])
{
	snprintf(out, CURSOR_TEXT_MAX, "%" PRId64 ".%.*s", usec, PARAMS_UUID_LEN, id);
}
