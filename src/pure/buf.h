/* buf: a string that grows as it is written, for the code that builds text
 * piece by piece (masking, fingerprints). A failed allocation is remembered,
 * not reported at each step: buf_finish says it once. */
#ifndef TELLTALE_BUF_H
#define TELLTALE_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	int failed;
};

/* Appends s[0..n). */
void buf_put(struct buf *b, const char *s, size_t n);

/* Appends the NUL-terminated s. */
void buf_puts(struct buf *b, const char *s);

/* The string built, NUL-terminated (the caller frees it), with its length in
 * *out_len (when not NULL); or NULL when an allocation failed. */
char *buf_finish(struct buf *b, size_t *out_len);

#endif
