/* utf8: validation and trimming of UTF-8 text, following the well-formed byte
 * sequences of Unicode 15, table 3-7. */
#include "pure/utf8.h"

#include <stdint.h>
#include <string.h>

/* The ranges of the second byte are what exclude the overlong, surrogate and
 * too-large forms, so no check on the decoded value is needed. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 0;
	if (s[0] < 0xE0) {
		len = 2;
		*cp = s[0] & 0x1Fu;
	} else if (s[0] < 0xF0) {
		len = 3;
		*cp = s[0] & 0x0Fu;
		lo = s[0] == 0xE0 ? 0xA0 : 0x80;
		hi = s[0] == 0xED ? 0x9F : 0xBF;
	} else {
		len = 4;
		*cp = s[0] & 0x07u;
		lo = s[0] == 0xF0 ? 0x90 : 0x80;
		hi = s[0] == 0xF4 ? 0x8F : 0xBF;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3Fu);
	}
	return len;
}

/* How many bytes from p on, up to n, are ASCII other than NUL: most text
 * is, and is checked here eight bytes at a time rather than decoded. */
static size_t ascii_run(const unsigned char *p, size_t n)
{
	const uint64_t high = 0x8080808080808080u, ones = 0x0101010101010101u;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		/* A byte with its high bit set, or a zero byte (w - ones borrows
		 * into its high bit): stop and look byte by byte. */
		if ((w | ((w - ones) & ~w)) & high)
			break;
	}
	while (i < n && p[i] != 0 && p[i] < 0x80)
		i++;
	return i;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len;

		i += ascii_run(p + i, n - i);
		if (i == n)
			break;
		len = utf8_decode(p + i, n - i, &cp);

		if (len == 0 || cp == 0)
			return 0;
		i += len;
	}
	return 1;
}

/* A continuation byte never starts a character, so backing up over them from
 * max finds the start of the character that max would split. */
size_t utf8_cut(const char *s, size_t n, size_t max)
{
	size_t k = max;

	if (n <= max)
		return n;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	return k;
}

size_t utf8_count(const char *s, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

/* Invalid input is refused too, so a caller that skipped utf8_valid cannot
 * let a broken sequence through as "printable". */
int utf8_printable(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return 0;
		i += len;
	}
	return 1;
}

/* The ASCII white space controls and the Zs (space separator) category of
 * Unicode 15. U+0085, U+2028 and U+2029 are not Zs and stay, as the header
 * lists only Zs; U+180E left Zs in Unicode 6.3. */
static int utf8_is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
	       cp == 0x3000;
}

/* Length of the white space character at the start of s[0..n), or 0. */
static size_t utf8_space_at(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len = utf8_decode(s, n, &cp);

	return len && utf8_is_space(cp) ? len : 0;
}

size_t utf8_trim(const char *s, size_t n, size_t *start)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t begin = 0, end = n, len;

	while (begin < end && (len = utf8_space_at(p + begin, end - begin)) > 0)
		begin += len;
	while (end > begin) {
		size_t last = end - 1;

		while (last > begin && (p[last] & 0xC0) == 0x80)
			last--;
		if (utf8_space_at(p + last, end - last) != end - last)
			break;
		end = last;
	}
	*start = begin;
	return end - begin;
}
