/* uuid7: time-ordered ids (UUID version 7, RFC 9562) for rows stored at a high
 * rate. A random id puts each new row's primary-key entry on a random page of
 * its index: after every checkpoint the first change to each such page writes
 * the whole page to the WAL, and a large index must be in memory to take
 * inserts at all. An id that starts with the time lands next to the last one. */
#ifndef TELLTALE_UUID7_H
#define TELLTALE_UUID7_H

#include <time.h>

#define UUID7_LEN 36            /* 8-4-4-4-12 hex digits */
#define UUID7_RANDOM_BYTES 8    /* the 62 random bits of rand_b */

/* Writes the id of time t (Unix time) and the random bytes, lower-case, and a
 * NUL into out: the millisecond in 48 bits, the version, the fraction of the
 * millisecond in 12 bits (so that one process's ids are in order within a
 * millisecond too), the variant and 62 random bits. */
void uuid7_format(const struct timespec *t, const unsigned char bytes[UUID7_RANDOM_BYTES],
		  char out[UUID7_LEN + 1]);

#endif
