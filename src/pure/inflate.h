/* inflate: request bodies sent with a Content-Encoding (gzip, deflate, br or
 * identity), decoded under a size cap that holds while inflating, so that a
 * decompression bomb stops at the cap instead of filling the memory.
 * Pure: zlib and libbrotlidec only, no I/O, no globals. */
#ifndef TELLTALE_INFLATE_H
#define TELLTALE_INFLATE_H

#include <stddef.h>

enum inflate_encoding {
	INFLATE_IDENTITY,
	INFLATE_GZIP,       /* RFC 1952, members may be concatenated */
	INFLATE_DEFLATE,    /* zlib-wrapped (RFC 1950) or raw (RFC 1951): detected */
	INFLATE_BR,         /* brotli (RFC 7932) */
	INFLATE__MAX
};

/* Reads a Content-Encoding value: NULL, "" and "identity" are identity; gzip
 * (also x-gzip), deflate and br; any case, blanks around ignored. A list of
 * several encodings is not supported. Returns 0 and sets *out, or -1. */
int inflate_encoding_parse(const char *value, enum inflate_encoding *out);

enum inflate_status {
	INFLATE_OK,
	INFLATE_TOO_LARGE,   /* the decoded body would exceed the cap */
	INFLATE_BROKEN,      /* not a valid, complete stream of that encoding */
	INFLATE_NO_MEMORY,
};

/* Decodes in[0..in_len) under enc into a new NUL-terminated buffer holding at
 * most cap bytes. The output grows by doubling and never past cap + 1 bytes
 * (the extra byte tells an oversized stream, then holds the NUL), whatever the
 * input claims. Data after the end of the stream is INFLATE_BROKEN, except
 * further gzip members.
 * On INFLATE_OK, *out (the caller frees it) and *out_len are set; on any other
 * status *out is NULL. */
enum inflate_status inflate_body(enum inflate_encoding enc, const char *in, size_t in_len,
				 size_t cap, char **out, size_t *out_len);

#endif
