/* keys: random keys and their SHA-256 digests. Raw keys never reach the database. */
#ifndef TELLTALE_KEYS_H
#define TELLTALE_KEYS_H

#include <stddef.h>

#define KEYS_SHA256_HEX_LEN 64

/* Fills buf with n bytes from the kernel's CSPRNG. Returns 0 or -1. */
int keys_random_bytes(unsigned char *buf, size_t n);

/* Fills out with 2 * nbytes lower-case hex digits of fresh random bytes and a NUL
 * (out holds 2 * nbytes + 1). Returns 0, or -1 when the random source fails. */
int keys_random_hex(char *out, size_t nbytes);

/* Writes the lower-case hex SHA-256 of data[0..len) and a NUL into out. */
void keys_sha256_hex(const void *data, size_t len, char out[KEYS_SHA256_HEX_LEN + 1]);

/* prefix and 43 characters of URL-safe base64 (no padding) of 32 fresh random
 * bytes into out (strlen(prefix) + KEYS_URLSAFE_LEN + 1 bytes), NUL-ended.
 * Returns 0, or -1 when the random source fails. */
#define KEYS_URLSAFE_LEN 43
int keys_new_urlsafe(const char *prefix, char *out);

/* An mkey_ key: "mkey_" and 43 characters of URL-safe base64 (no padding) of 32
 * fresh random bytes; its first KEYS_MKEY_PREFIX_LEN characters are its prefix. */
#define KEYS_MKEY_LEN 48
#define KEYS_MKEY_PREFIX_LEN 12

/* Fills out (the caller's, KEYS_MKEY_LEN + 1 bytes) with a new key and a NUL.
 * Returns 0, or -1 when the random source fails. */
int keys_new_mkey(char out[KEYS_MKEY_LEN + 1]);

#endif
