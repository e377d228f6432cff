/* lsn: write-ahead log positions as text. */
#include "pure/lsn.h"

#include <stdio.h>

/* One half: 1 to 8 hexadecimal digits. Returns how many it read, or 0. */
static size_t half(const char *p, size_t len, uint32_t *out)
{
	size_t n = 0;

	*out = 0;
	for (; n < len && n < 9; n++) {
		char c = p[n];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			break;
		if (n == 8)
			return 0;       /* a ninth digit: more than 32 bits */
		*out = *out << 4 | d;
	}
	return n;
}

int lsn_parse(const char *text, size_t len, uint64_t *out)
{
	uint32_t hi, lo;
	size_t n = half(text, len, &hi), m;

	if (n == 0 || n >= len || text[n] != '/')
		return -1;
	m = half(text + n + 1, len - n - 1, &lo);
	if (m == 0 || n + 1 + m != len)
		return -1;
	*out = (uint64_t)hi << 32 | lo;
	return 0;
}

void lsn_format(uint64_t lsn, char out[LSN_TEXT_MAX + 1])
{
	snprintf(out, LSN_TEXT_MAX + 1, "%X/%X", (unsigned)(lsn >> 32), (unsigned)(lsn & 0xffffffffu));
}
