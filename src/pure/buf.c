/* buf: a string that grows as it is written. */
#include "pure/buf.h"

#include <stdlib.h>
#include <string.h>

void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* The string built, NUL-terminated, or NULL when an allocation failed. */
char *buf_finish(struct buf *b, size_t *out_len)
{
	buf_put(b, "", 0);
	if (b->failed) {
		free(b->data);
		return NULL;
	}
	if (out_len)
		*out_len = b->len;
	return b->data;
}
