/* lsn: PostgreSQL's write-ahead log positions as text ("16/B374D848": two
 * hexadecimal halves of a 64-bit byte position). The primary names the
 * position a change reached; a read replica compares it with the position it
 * has replayed, to know whether a caller's own write is there yet
 * (docs/scaling.md, "A read replica"). */
#ifndef TELLTALE_LSN_H
#define TELLTALE_LSN_H

#include <stddef.h>
#include <stdint.h>

/* The longest text a position takes: "FFFFFFFF/FFFFFFFF". */
#define LSN_TEXT_MAX 17

/* Parses text[0..len): 1 to 8 hexadecimal digits, "/", 1 to 8 more, nothing
 * else (no sign, no space). Returns 0 with *out set, or -1. */
int lsn_parse(const char *text, size_t len, uint64_t *out);

/* Writes lsn as PostgreSQL prints it (upper-case, no leading zeros) and a NUL
 * into out. */
void lsn_format(uint64_t lsn, char out[LSN_TEXT_MAX + 1]);

#endif
