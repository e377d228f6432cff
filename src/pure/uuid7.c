/* uuid7: the layout of RFC 9562's version 7, with the twelve bits of rand_a
 * holding the fraction of the millisecond (its section 6.2, method 3). */
#include "pure/uuid7.h"

#include <stdint.h>

void uuid7_format(const struct timespec *t, const unsigned char bytes[UUID7_RANDOM_BYTES],
		  char out[UUID7_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint64_t ms = (uint64_t)t->tv_sec * 1000 + (uint64_t)t->tv_nsec / 1000000;
	unsigned fraction = (unsigned)((uint64_t)(t->tv_nsec % 1000000) * 4096 / 1000000);
	unsigned char b[16];
	size_t len = 0;

	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | (fraction >> 8));
	b[7] = (unsigned char)fraction;
	b[8] = (unsigned char)(0x80 | (bytes[0] & 0x3f));
	for (int i = 1; i < UUID7_RANDOM_BYTES; i++)
		b[8 + i] = bytes[i];
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[len++] = '-';
		out[len++] = digits[b[i] >> 4];
		out[len++] = digits[b[i] & 15];
	}
	out[len] = '\0';
}
