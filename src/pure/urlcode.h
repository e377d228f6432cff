/* urlcode: percent-decoding of path segments and query strings.
 * Pure: no I/O, no globals. */
#ifndef TELLTALE_URLCODE_H
#define TELLTALE_URLCODE_H

#include <stddef.h>

/* Decodes s[0..n): "%XX" (either case of hex) becomes the byte, and with
 * plus_is_space '+' becomes ' '. Returns a new NUL-terminated string (the caller
 * frees it) and sets *out_len to its length (which may count embedded NULs from
 * "%00"), or NULL for a malformed escape ("%", "%4", "%zz") or no memory. */
char *urlcode_decode(const char *s, size_t n, int plus_is_space, size_t *out_len);

struct urlcode_param {
	char *name;        /* decoded, NUL-terminated */
	char *value;       /* decoded, NUL-terminated; NULL when the escape was malformed */
	size_t value_len;
};

struct urlcode_query {
	struct urlcode_param *params;
	size_t count;
};

/* Splits a query string ("a=1&b=x%20y&c") on '&' and '=' and decodes each part
 * ('+' as space). A name without '=' gets the empty value. Pairs whose name is
 * malformed or empty are dropped; a malformed value is kept with value NULL so the
 * handler that knows the parameter can reject it. Returns 0, or -1 on no memory.
 * Free with urlcode_query_free. */
int urlcode_query_parse(const char *qs, struct urlcode_query *q);

/* The first parameter called name, or NULL. */
const struct urlcode_param *urlcode_query_get(const struct urlcode_query *q,
					      const char *name);

void urlcode_query_free(struct urlcode_query *q);

#endif
