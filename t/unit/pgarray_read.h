/* pgarray_read.h: reads back the json[] parameters of pure/pgarray.h, as the
 * server's array_recv would, for the tests and fuzzers that check them. */
#ifndef TELLTALE_PGARRAY_READ_H
#define TELLTALE_PGARRAY_READ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t pgarray_word(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* The number of elements of bytes[0..len), a one-dimensional json[] from 1
 * whose elements fill it exactly; -1 when it is not one. */
static inline int pgarray_count(const char *bytes, size_t len)
{
	size_t at = 20;
	uint32_t n;

	if (!bytes || len < 20 || pgarray_word(bytes) != 1 || pgarray_word(bytes + 4) > 1 ||
	    pgarray_word(bytes + 8) != 114 || pgarray_word(bytes + 16) != 1)
		return -1;
	n = pgarray_word(bytes + 12);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t elen;

		if (len - at < 4)
			return -1;
		elen = pgarray_word(bytes + at);
		at += 4;
		if (elen == UINT32_MAX)
			continue;
		if (len - at < elen)
			return -1;
		at += elen;
	}
	return at == len ? (int)n : -1;
}

/* Element i of an array pgarray_count has checked, copied with a NUL (the
 * caller's to free); NULL for SQL NULL. */
static inline char *pgarray_element(const char *bytes, int i)
{
	size_t at = 20;
	uint32_t elen;
	char *out;

	for (;; i--) {
		elen = pgarray_word(bytes + at);
		at += 4;
		if (i == 0)
			break;
		at += elen == UINT32_MAX ? 0 : elen;
	}
	if (elen == UINT32_MAX || !(out = malloc(elen + 1)))
		return NULL;
	memcpy(out, bytes + at, elen);
	out[elen] = '\0';
	return out;
}

#endif
