/* wordscan: tests on eight bytes at once, for the loops that read every byte
 * of a large text: the run of plain characters in a string (jsoncheck), a
 * string's end (jsonspan), its digits (mask). A byte-at-a-time loop spent ten
 * instructions a byte there. Each test reads one 64-bit word and works on
 * its bytes in parallel; none lets a carry cross from one byte to the next,
 * so each is exact. */
#ifndef TELLTALE_WORDSCAN_H
#define TELLTALE_WORDSCAN_H

#include <stdint.h>
#include <string.h>

#define WORDSCAN_ONES  0x0101010101010101ULL
#define WORDSCAN_HIGHS 0x8080808080808080ULL
#define WORDSCAN_LOWS  0x7F7F7F7F7F7F7F7FULL

/* The eight bytes at s, in any alignment, the first in the lowest byte. */
static inline uint64_t wordscan_load(const char *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* The high bit set in each byte of w below n (n <= 0x80). */
static inline uint64_t wordscan_below(uint64_t w, unsigned n)
{
	return (WORDSCAN_ONES * (127 + n) - (w & WORDSCAN_LOWS)) & ~w & WORDSCAN_HIGHS;
}

/* The high bit set in each byte of w above m (m < 0x80); the bytes of 0x80
 * and more are all above. */
static inline uint64_t wordscan_above(uint64_t w, unsigned m)
{
	return (((w & WORDSCAN_LOWS) + WORDSCAN_ONES * (127 - m)) | w) & WORDSCAN_HIGHS;
}

/* The high bit set in each byte of w equal to c. */
static inline uint64_t wordscan_equal(uint64_t w, unsigned char c)
{
	return ~wordscan_above(w ^ (WORDSCAN_ONES * c), 0) & WORDSCAN_HIGHS;
}

/* The high bit set in each byte of w that is an ASCII digit. */
static inline uint64_t wordscan_digits(uint64_t w)
{
	return wordscan_below(w, '9' + 1) & wordscan_above(w, '0' - 1);
}

/* How many bytes of w the tests above marked. */
static inline unsigned wordscan_count(uint64_t marks)
{
	return (unsigned)(((marks >> 7) * WORDSCAN_ONES) >> 56);
}

/* Which byte of the word, 0 to 7, is the first that marks (not 0) marks. */
static inline unsigned wordscan_first(uint64_t marks)
{
	return (unsigned)__builtin_ctzll(marks) / 8;
}

#endif
