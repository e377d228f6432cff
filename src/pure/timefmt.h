/* timefmt: RFC 3339 timestamps <-> microseconds since the Unix epoch (UTC).
 * Pure: no I/O, no globals. */
#ifndef TELLTALE_TIMEFMT_H
#define TELLTALE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* The range telltale accepts: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z. */
#define TIMEFMT_MIN_USEC (-62135596800LL * 1000000LL)
#define TIMEFMT_MAX_USEC (253402300799LL * 1000000LL + 999999LL)

/* Large enough for "9999-12-31T23:59:59.999999Z" and its NUL. */
#define TIMEFMT_BUFSIZE 32

#define USEC_PER_SEC 1000000LL

/* Parses text[0..len) as RFC 3339 ("2026-02-10T10:00:00Z", "...T10:00:00.5+02:00",
 * lower-case 't'/'z' and a space for 'T' accepted, fraction of any length truncated
 * to microseconds) or a bare date "2026-02-10" (midnight UTC).
 * Rejects impossible dates (Feb 30), hours > 23, minutes/seconds > 59 (a leap
 * second 60 is accepted and folded onto :59), offsets beyond ±23:59, and results
 * outside [TIMEFMT_MIN_USEC, TIMEFMT_MAX_USEC].
 * Returns 0 and sets *out, or -1. */
int timefmt_parse(const char *text, size_t len, int64_t *out);

/* Converts Unix seconds (fractions allowed) to microseconds.
 * Returns 0 and sets *out, or -1 when not finite or outside the range above. */
int timefmt_from_unix(double seconds, int64_t *out);

/* Formats usec as RFC 3339 UTC with 'Z': "2026-02-10T10:00:00Z", with a fraction
 * only when non-zero and without trailing zeros ("...:00.12Z", "...:00.123456Z").
 * buf must hold TIMEFMT_BUFSIZE bytes. Returns buf. */
char *timefmt_format(int64_t usec, char *buf);

/* Floor division of usec onto a bucket boundary of width step_usec, counted from
 * origin_usec (for weeks: a Monday). Correct for negative values. */
int64_t timefmt_floor(int64_t usec, int64_t step_usec, int64_t origin_usec);

#endif
