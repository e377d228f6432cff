/* params: the values that arrive as text in paths and query strings, checked
 * and converted before a handler uses them. Pure: no I/O, no globals. */
#ifndef TELLTALE_PARAMS_H
#define TELLTALE_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* Strict decimal: an optional '-', then digits only, within int64.
 * Returns 0 and sets *out, or -1. */
int params_parse_int64(const char *s, int64_t *out);

/* A path id: a positive 64-bit decimal integer. s is NUL-terminated at s[len]
 * (a decoded path segment) and may hold anything before, embedded NULs
 * included. Returns 0 and sets *out, or -1. */
int params_parse_id(const char *s, size_t len, int64_t *out);

/* A timestamp in a query string: RFC 3339, a bare date, or Unix seconds
 * (fractions allowed). A space where an offset's '+' stood is read as '+',
 * since an unescaped '+' in a query string decodes to a space.
 * Returns 0 and sets *out (microseconds), or -1. */
int params_parse_time(const char *s, int64_t *out);

/* The bucket widths of the time series. */
enum interval { INTERVAL_MINUTE, INTERVAL_HOUR, INTERVAL_DAY, INTERVAL_WEEK, INTERVAL__MAX };

extern const char *const interval_names[INTERVAL__MAX];
extern const int64_t interval_usec[INTERVAL__MAX];

/* Case-insensitive interval name, or INTERVAL__MAX. */
enum interval params_parse_interval(const char *s);

/* The start of the bucket of width iv that holds usec (UTC; weeks start Monday). */
int64_t params_bucket_start(enum interval iv, int64_t usec);

#endif
