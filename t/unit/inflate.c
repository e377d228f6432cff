/* Unit tests for inflate: the Content-Encoding names, each decoder on good,
 * broken and oversized streams, and the cap on decompression bombs. Inputs are
 * made here with zlib's encoder; brotli's encoder is not linked, so brotli
 * streams are fixed vectors (made with libbrotlienc, quality 11) or stored
 * (uncompressed) meta-blocks written by stored_brotli() below. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pure/inflate.h"
#include "tap.h"

#define MiB (1024 * 1024)

/* "hello, telltale\n" */
static const char br_hello[] =
	"\x8b\x07\x80\x68\x65\x6c\x6c\x6f\x2c\x20\x74\x65\x6c\x6c\x74\x61\x6c\x65\x0a\x03";
/* 50 MiB of zeros in 93 bytes. */
static const char br_zeros_50m[] =
	"\xcb\xff\xff\x3f\xf8\x27\x00\xe2\xb1\x40\x20\xf7\xfe\x8f\xff\xff\x7f\xf0\x4f\x00"
	"\xc4\x61\x11\x80\xee\xfd\x1f\xff\xff\xff\xe0\x9f\x00\x88\xc3\x02\x00\xdd\xfb\x3f"
	"\xfe\xff\xff\xc1\x3f\x01\x10\x87\x05\x00\xba\xf7\x7f\xfc\xff\xff\x83\x7f\x02\x20"
	"\x0e\x0b\x00\x74\xef\xff\xf8\xff\xff\x07\xff\x04\x40\x1c\x16\x00\xe8\xde\xff\xe5"
	"\xff\xff\x07\xfe\x09\x80\x38\x2c\x00\xd0\xbd\xff\x00";
/* 10 MiB of zeros, and 10 MiB + 1. */
static const char br_zeros_10m[] =
	"\xcb\xff\xff\x3f\xf8\x27\x00\xe2\xb1\x40\x20\xf7\xfe\x2f\xff\xff\x3f\xf0\x4f\x00"
	"\xc4\x61\x11\x80\xee\xfd\x07";
static const char br_zeros_10m_1[] =
	"\xcb\xff\xff\x3f\xf8\x27\x00\xe2\xb1\x40\x20\xf7\xfe\x2f\x01\x00\x40\xf0\x4f\x00"
	"\xc4\x61\x11\xc0\xee\xfd\x07";

/* A compressed copy of in[0..n) made by zlib with windowBits bits (31 gzip,
 * 15 zlib, -15 raw); the caller frees it. */
static char *zlib_encode(const char *in, size_t n, int bits, size_t *out_len)
{
	z_stream zs;
	size_t size = n + n / 100 + 1024;
	char *out = malloc(size);

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 9, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (uInt)size;
	deflate(&zs, Z_FINISH);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* A brotli stream of stored meta-blocks holding in[0..n): a 16-bit window
 * (WBITS 0), then per chunk of up to 65536 bytes ISLAST 0, MNIBBLES 4, MLEN-1,
 * ISUNCOMPRESSED 1, padding and the bytes; then ISLAST 1, ISLASTEMPTY 1. */
static char *stored_brotli(const char *in, size_t n, size_t *out_len)
{
	unsigned char *out = malloc(n + n / 65536 * 4 + 16);
	size_t len = 0;
	unsigned bits = 0, nbits = 1;    /* the WBITS bit, 0 */

	for (size_t off = 0; off < n; ) {
		size_t chunk = n - off > 65536 ? 65536 : n - off;

		bits |= (0u | 0u << 1 | (unsigned)(chunk - 1) << 3 | 1u << 19) << nbits;
		nbits += 20;
		while (nbits > 0) {
			out[len++] = (unsigned char)bits;
			bits >>= 8;
			nbits = nbits > 8 ? nbits - 8 : 0;
		}
		memcpy(out + len, in + off, chunk);
		len += chunk;
		off += chunk;
		bits = 0;
	}
	bits |= 3u << nbits;
	nbits += 2;
	out[len++] = (unsigned char)bits;
	*out_len = len;
	return (char *)out;
}

static void test_encoding_names(void)
{
	static const struct { const char *value; int rc; enum inflate_encoding enc; } cases[] = {
		{ NULL,        0, INFLATE_IDENTITY },
		{ "",          0, INFLATE_IDENTITY },
		{ "  ",        0, INFLATE_IDENTITY },
		{ "identity",  0, INFLATE_IDENTITY },
		{ "gzip",      0, INFLATE_GZIP },
		{ "GZip",      0, INFLATE_GZIP },
		{ " gzip\t",   0, INFLATE_GZIP },
		{ "x-gzip",    0, INFLATE_GZIP },
		{ "deflate",   0, INFLATE_DEFLATE },
		{ "DEFLATE",   0, INFLATE_DEFLATE },
		{ "br",        0, INFLATE_BR },
		{ "BR",        0, INFLATE_BR },
		{ "compress",  -1, INFLATE_IDENTITY },
		{ "zstd",      -1, INFLATE_IDENTITY },
		{ "gzip, br",  -1, INFLATE_IDENTITY },
		{ "gzipx",     -1, INFLATE_IDENTITY },
		{ "g",         -1, INFLATE_IDENTITY },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum inflate_encoding enc = INFLATE__MAX;
		char name[96];
		int rc = inflate_encoding_parse(cases[i].value, &enc);

		snprintf(name, sizeof(name), "Content-Encoding '%s' -> %s", cases[i].value ? cases[i].value : "(none)",
			 cases[i].rc ? "refused" : "accepted");
		ok(rc == cases[i].rc && (rc != 0 || enc == cases[i].enc), name);
	}
}

/* One decode: status, and on success the exact bytes and the NUL after them. */
static void check(enum inflate_encoding enc, const char *in, size_t in_len, size_t cap,
		  enum inflate_status want, const char *want_out, size_t want_len, const char *name)
{
	char *out = (char *)1;
	size_t out_len = 1;
	enum inflate_status st = inflate_body(enc, in, in_len, cap, &out, &out_len);

	if (want != INFLATE_OK) {
		ok(st == want && out == NULL, name);
		if (st != want)
			printf("#   status %d, want %d\n", (int)st, (int)want);
		return;
	}
	ok(st == INFLATE_OK && out && out_len == want_len && out[out_len] == '\0' &&
	   (!want_out || memcmp(out, want_out, want_len) == 0), name);
	if (st != INFLATE_OK)
		printf("#   status %d\n", (int)st);
	free(out);
}

static void test_round_trips(void)
{
	static const char *texts[] = {
		"",
		"x",
		"{\"message\":\"hello\"}\n",
		"{\"a\":1}\n{\"b\":2}\n",
	};
	static const struct { int bits; enum inflate_encoding enc; const char *what; } kinds[] = {
		{ 31,  INFLATE_GZIP,    "gzip" },
		{ 15,  INFLATE_DEFLATE, "deflate (zlib)" },
		{ -15, INFLATE_DEFLATE, "deflate (raw)" },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			size_t n = strlen(texts[i]), zn;
			char *z = zlib_encode(texts[i], n, kinds[k].bits, &zn);
			char name[96];

			snprintf(name, sizeof(name), "%s round trip of %zu bytes", kinds[k].what, n);
			check(kinds[k].enc, z, zn, MiB, INFLATE_OK, texts[i], n, name);
			free(z);
		}
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		size_t n = strlen(texts[i]), bn;
		char *b = stored_brotli(texts[i], n, &bn);
		char name[96];

		snprintf(name, sizeof(name), "br (stored) round trip of %zu bytes", n);
		check(INFLATE_BR, b, bn, MiB, INFLATE_OK, texts[i], n, name);
		check(INFLATE_IDENTITY, texts[i], n, MiB, INFLATE_OK, texts[i], n, "identity is a copy");
		free(b);
	}
	check(INFLATE_BR, br_hello, sizeof(br_hello) - 1, MiB, INFLATE_OK, "hello, telltale\n", 16,
	      "br (compressed, quality 11) decodes");
}

/* Bodies larger than the first allocation, so the buffer grows on the way. */
static void test_growth(void)
{
	size_t n = 3 * MiB + 7, zn;
	char *text = malloc(n);
	char *z, *b;

	for (size_t i = 0; i < n; i++)
		text[i] = (char)('a' + (i * 7 + i / 1000) % 26);
	z = zlib_encode(text, n, 31, &zn);
	check(INFLATE_GZIP, z, zn, 10 * MiB, INFLATE_OK, text, n, "gzip of 3 MiB grows the buffer");
	free(z);
	z = zlib_encode(text, n, -15, &zn);
	check(INFLATE_DEFLATE, z, zn, 10 * MiB, INFLATE_OK, text, n, "raw deflate of 3 MiB");
	free(z);
	b = stored_brotli(text, n, &zn);
	check(INFLATE_BR, b, zn, 10 * MiB, INFLATE_OK, text, n, "br of 3 MiB in 49 meta-blocks");
	free(b);
	free(text);
}

/* The cap: a body of exactly cap bytes passes, one byte more does not. */
static void test_cap(void)
{
	const char *text = "0123456789";
	size_t zn;
	char *z = zlib_encode(text, 10, 31, &zn);
	char *b;

	check(INFLATE_GZIP, z, zn, 10, INFLATE_OK, text, 10, "gzip: exactly the cap passes");
	check(INFLATE_GZIP, z, zn, 9, INFLATE_TOO_LARGE, NULL, 0, "gzip: one byte past the cap is too large");
	check(INFLATE_GZIP, z, zn, 0, INFLATE_TOO_LARGE, NULL, 0, "gzip: a cap of 0");
	free(z);
	z = zlib_encode(text, 10, 15, &zn);
	check(INFLATE_DEFLATE, z, zn, 10, INFLATE_OK, text, 10, "deflate: exactly the cap passes");
	check(INFLATE_DEFLATE, z, zn, 9, INFLATE_TOO_LARGE, NULL, 0, "deflate: one byte past the cap");
	free(z);
	b = stored_brotli(text, 10, &zn);
	check(INFLATE_BR, b, zn, 10, INFLATE_OK, text, 10, "br: exactly the cap passes");
	check(INFLATE_BR, b, zn, 9, INFLATE_TOO_LARGE, NULL, 0, "br: one byte past the cap");
	free(b);
	check(INFLATE_IDENTITY, text, 10, 10, INFLATE_OK, text, 10, "identity: exactly the cap passes");
	check(INFLATE_IDENTITY, text, 10, 9, INFLATE_TOO_LARGE, NULL, 0, "identity: one byte past the cap");
	check(INFLATE_BR, br_zeros_10m, sizeof(br_zeros_10m) - 1, 10 * MiB, INFLATE_OK, NULL, 10 * MiB,
	      "br: 10 MiB of zeros under a 10 MiB cap");
	check(INFLATE_BR, br_zeros_10m_1, sizeof(br_zeros_10m_1) - 1, 10 * MiB, INFLATE_TOO_LARGE, NULL, 0,
	      "br: 10 MiB + 1 under a 10 MiB cap is too large");
}

/* Decompression bombs stop at the cap. */
static void test_bombs(void)
{
	size_t n = 50 * MiB, zn;
	char *zeros = calloc(1, n);
	char *z = zlib_encode(zeros, n, 31, &zn);

	free(zeros);
	ok(zn < 100 * 1024, "50 MiB of zeros gzip to under 100 KiB");
	check(INFLATE_GZIP, z, zn, 10 * MiB, INFLATE_TOO_LARGE, NULL, 0, "a gzip bomb is too large");
	free(z);
	zeros = calloc(1, n);
	z = zlib_encode(zeros, n, -15, &zn);
	free(zeros);
	check(INFLATE_DEFLATE, z, zn, 10 * MiB, INFLATE_TOO_LARGE, NULL, 0, "a raw deflate bomb is too large");
	free(z);
	check(INFLATE_BR, br_zeros_50m, sizeof(br_zeros_50m) - 1, 10 * MiB, INFLATE_TOO_LARGE, NULL, 0,
	      "a brotli bomb (50 MiB in 93 bytes) is too large");
}

static void test_broken(void)
{
	const char *text = "{\"message\":\"a broken stream\"}";
	size_t n = strlen(text), zn, zn2, bn;
	char *z = zlib_encode(text, n, 31, &zn);
	char *z2 = zlib_encode("second", 6, 31, &zn2);
	char *both = malloc(zn + zn2 + 4);
	char *b = stored_brotli(text, n, &bn);

	memcpy(both, z, zn);
	memcpy(both + zn, z2, zn2);
	check(INFLATE_GZIP, both, zn + zn2, MiB, INFLATE_OK, "{\"message\":\"a broken stream\"}second", n + 6,
	      "gzip: concatenated members decode in turn");
	memcpy(both + zn, "junk", 4);
	check(INFLATE_GZIP, both, zn + 4, MiB, INFLATE_BROKEN, NULL, 0, "gzip: junk after the stream");
	check(INFLATE_GZIP, z, zn - 1, MiB, INFLATE_BROKEN, NULL, 0, "gzip: truncated by one byte");
	check(INFLATE_GZIP, z, zn / 2, MiB, INFLATE_BROKEN, NULL, 0, "gzip: truncated by half");
	check(INFLATE_GZIP, z, 0, MiB, INFLATE_BROKEN, NULL, 0, "gzip: empty");
	check(INFLATE_GZIP, text, n, MiB, INFLATE_BROKEN, NULL, 0, "gzip: plain text");
	z[zn - 3] ^= 0x55;
	check(INFLATE_GZIP, z, zn, MiB, INFLATE_BROKEN, NULL, 0, "gzip: a bad length in the trailer");
	free(z);
	z = zlib_encode(text, n, 15, &zn);
	check(INFLATE_DEFLATE, z, zn - 1, MiB, INFLATE_BROKEN, NULL, 0, "deflate (zlib): truncated");
	z[zn - 1] ^= 0x01;
	check(INFLATE_DEFLATE, z, zn, MiB, INFLATE_BROKEN, NULL, 0, "deflate (zlib): a bad Adler-32");
	free(z);
	z = zlib_encode(text, n, -15, &zn);
	memcpy(both, z, zn);
	both[zn] = 'x';
	check(INFLATE_DEFLATE, both, zn + 1, MiB, INFLATE_BROKEN, NULL, 0, "deflate (raw): junk after the stream");
	check(INFLATE_DEFLATE, z, zn - 1, MiB, INFLATE_BROKEN, NULL, 0, "deflate (raw): truncated");
	check(INFLATE_DEFLATE, "", 0, MiB, INFLATE_BROKEN, NULL, 0, "deflate: empty");
	check(INFLATE_DEFLATE, "\xff\xff\xff\xff", 4, MiB, INFLATE_BROKEN, NULL, 0, "deflate: garbage");
	check(INFLATE_BR, b, bn - 1, MiB, INFLATE_BROKEN, NULL, 0, "br: truncated");
	memcpy(both, b, bn);
	both[bn] = 'x';
	check(INFLATE_BR, both, bn + 1, MiB, INFLATE_BROKEN, NULL, 0, "br: junk after the stream");
	check(INFLATE_BR, "", 0, MiB, INFLATE_BROKEN, NULL, 0, "br: empty");
	check(INFLATE_BR, br_hello, 10, MiB, INFLATE_BROKEN, NULL, 0, "br: a compressed stream cut short");
	check(INFLATE_BR, "\xff\xff\xff\xff\xff\xff", 6, MiB, INFLATE_BROKEN, NULL, 0, "br: garbage");
	free(z);
	free(z2);
	free(both);
	free(b);
}

int main(void)
{
	test_encoding_names();
	test_round_trips();
	test_growth();
	test_cap();
	test_bombs();
	test_broken();
	return tap_done();
}
