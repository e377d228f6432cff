/* inflate: the decoders write into one buffer that grows by doubling up to
 * the cap plus one byte. Producing that extra byte is how an oversized stream
 * is told apart from one that ends exactly at the cap, so the memory spent on a
 * bomb is the cap, never what the stream would expand to. Decoder state is
 * bounded too: zlib's 32 KiB window, brotli's ring buffer of at most 16 MiB
 * (the large-window extension stays off). */
#include "pure/inflate.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <zlib.h>

/* The first allocation for a compressed body: a guess at its expanded size. */
#define INITIAL_RATIO 4
#define INITIAL_MIN (64 * 1024)

static const struct {
	const char *name;
	enum inflate_encoding enc;
} encodings[] = {
	{ "identity", INFLATE_IDENTITY },
	{ "gzip",     INFLATE_GZIP },
	{ "x-gzip",   INFLATE_GZIP },
	{ "deflate",  INFLATE_DEFLATE },
	{ "br",       INFLATE_BR },
};

int inflate_encoding_parse(const char *value, enum inflate_encoding *out)
{
	size_t len;

	*out = INFLATE_IDENTITY;
	if (!value)
		return 0;
	value += strspn(value, " \t");
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
		if (strlen(encodings[i].name) == len && strncasecmp(value, encodings[i].name, len) == 0) {
			*out = encodings[i].enc;
			return 0;
		}
	}
	return -1;
}

/* The output under construction: data[0..len) decoded so far, size allocated,
 * never more than limit (the cap plus one). */
struct outbuf {
	char *data;
	size_t len;
	size_t size;
	size_t limit;
};

static enum inflate_status outbuf_init(struct outbuf *b, size_t in_len, size_t cap)
{
	size_t guess = in_len < SIZE_MAX / INITIAL_RATIO ? in_len * INITIAL_RATIO : SIZE_MAX;

	b->limit = cap < SIZE_MAX ? cap + 1 : cap;
	if (guess < INITIAL_MIN)
		guess = INITIAL_MIN;
	b->size = guess < b->limit ? guess : b->limit;
	b->len = 0;
	b->data = malloc(b->size);
	return b->data ? INFLATE_OK : INFLATE_NO_MEMORY;
}

/* Doubles the room, up to the limit. INFLATE_TOO_LARGE when the buffer is
 * already at the limit: the stream has produced more than the cap. */
static enum inflate_status outbuf_grow(struct outbuf *b)
{
	size_t size;
	char *data;

	if (b->size >= b->limit)
		return INFLATE_TOO_LARGE;
	size = b->size <= b->limit / 2 ? b->size * 2 : b->limit;
	data = realloc(b->data, size);
	if (!data)
		return INFLATE_NO_MEMORY;
	b->data = data;
	b->size = size;
	return INFLATE_OK;
}

/* Hands the finished buffer over, NUL-terminated and trimmed to fit. */
static enum inflate_status outbuf_finish(struct outbuf *b, char **out, size_t *out_len)
{
	char *data;

	if (b->len >= b->limit)
		return INFLATE_TOO_LARGE;
	data = realloc(b->data, b->len + 1);
	if (!data)
		return INFLATE_NO_MEMORY;
	data[b->len] = '\0';
	*out = data;
	*out_len = b->len;
	b->data = NULL;
	return INFLATE_OK;
}

static uInt clamp_uint(size_t n)
{
	return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

/* A zlib header (RFC 1950): deflate method, a window of at most 32 KiB and the
 * check bits. A raw deflate stream that happens to start like one is rare
 * enough that servers commonly detect it this way. */
static int zlib_wrapped(const unsigned char *in, size_t len)
{
	return len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
	       ((unsigned)in[0] << 8 | in[1]) % 31 == 0;
}

/* One pass of zlib's inflate over all the input; gzip members that follow the
 * first are decoded in turn (RFC 1952 allows concatenation). */
static enum inflate_status zlib_run(z_stream *zs, const unsigned char *in, size_t in_len,
				    int gzip, struct outbuf *b)
{
	size_t left = in_len;

	zs->next_in = (unsigned char *)in;
	for (;;) {
		uInt room;
		int rc;

		if (zs->avail_in == 0 && left > 0) {
			zs->avail_in = clamp_uint(left);
			left -= zs->avail_in;
		}
		if (b->len == b->size) {
			enum inflate_status st = outbuf_grow(b);

			if (st != INFLATE_OK)
				return st;
		}
		zs->next_out = (unsigned char *)b->data + b->len;
		zs->avail_out = room = clamp_uint(b->size - b->len);
		rc = inflate(zs, Z_NO_FLUSH);
		b->len += room - zs->avail_out;
		if (rc == Z_STREAM_END) {
			if (zs->avail_in == 0 && left == 0)
				return INFLATE_OK;
			if (!gzip || inflateReset(zs) != Z_OK)
				return INFLATE_BROKEN;
		} else if (rc == Z_MEM_ERROR) {
			return INFLATE_NO_MEMORY;
		} else if (rc == Z_BUF_ERROR && zs->avail_out > 0) {
			return INFLATE_BROKEN;     /* the input ended before the stream did */
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return INFLATE_BROKEN;
		}
	}
}

static enum inflate_status zlib_decode(enum inflate_encoding enc, const unsigned char *in,
				       size_t in_len, struct outbuf *b)
{
	z_stream zs;
	int bits = enc == INFLATE_GZIP ? 16 + MAX_WBITS
		 : zlib_wrapped(in, in_len) ? MAX_WBITS : -MAX_WBITS;
	enum inflate_status st;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, bits) != Z_OK)
		return INFLATE_NO_MEMORY;
	st = zlib_run(&zs, in, in_len, enc == INFLATE_GZIP, b);
	inflateEnd(&zs);
	return st;
}

static enum inflate_status brotli_decode(const unsigned char *in, size_t in_len, struct outbuf *b)
{
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = in;
	size_t avail_in = in_len;
	enum inflate_status st = INFLATE_BROKEN;

	if (!s)
		return INFLATE_NO_MEMORY;
	for (;;) {
		uint8_t *next_out = (uint8_t *)b->data + b->len;
		size_t avail_out = b->size - b->len;
		BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &avail_in, &next_in,
								      &avail_out, &next_out, NULL);

		b->len = b->size - avail_out;
		if (r == BROTLI_DECODER_RESULT_SUCCESS) {
			st = avail_in == 0 ? INFLATE_OK : INFLATE_BROKEN;
			break;
		}
		/* Brotli asks for more output only once the buffer is full. */
		if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && (st = outbuf_grow(b)) == INFLATE_OK)
			continue;
		if (r != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
			st = INFLATE_BROKEN;   /* corrupt, or the input ended early */
		break;
	}
	BrotliDecoderDestroyInstance(s);
	return st;
}

static enum inflate_status identity_copy(const char *in, size_t in_len, size_t cap,
					 char **out, size_t *out_len)
{
	if (in_len > cap)
		return INFLATE_TOO_LARGE;
	*out = malloc(in_len + 1);
	if (!*out)
		return INFLATE_NO_MEMORY;
	if (in_len)
		memcpy(*out, in, in_len);
	(*out)[in_len] = '\0';
	*out_len = in_len;
	return INFLATE_OK;
}

enum inflate_status inflate_body(enum inflate_encoding enc, const char *in, size_t in_len,
				 size_t cap, char **out, size_t *out_len)
{
	struct outbuf b;
	enum inflate_status st;

	*out = NULL;
	*out_len = 0;
	if (enc == INFLATE_IDENTITY)
		return identity_copy(in, in_len, cap, out, out_len);
	if (outbuf_init(&b, in_len, cap) != INFLATE_OK)
		return INFLATE_NO_MEMORY;
	if (enc == INFLATE_BR)
		st = brotli_decode((const unsigned char *)in, in_len, &b);
	else
		st = zlib_decode(enc, (const unsigned char *)in, in_len, &b);
	if (st == INFLATE_OK)
		st = outbuf_finish(&b, out, out_len);
	free(b.data);
	return st;
}
