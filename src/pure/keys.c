/* keys: random keys and their SHA-256 digests in hex.
 *
 * The random bytes come from the kernel's CSPRNG (getrandom), the source that
 * OpenSSL itself seeds from: OpenSSL's own generator would first set up its
 * provider machinery, which brings 2 MB of the library into the memory of
 * every worker that ever made a key.
 *
 * Every ingest hashes its key, so the digest uses OpenSSL's low-level SHA-256
 * (deprecated in OpenSSL 3, still shipped): through EVP, each digest first
 * fetches the algorithm from the provider registry, which costs more than the
 * hash itself and brings 2 MB of the library into every worker's memory. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "pure/keys.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int keys_random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
	return 0;
}

int keys_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];

	if (nbytes > sizeof(buf) || keys_random_bytes(buf, nbytes) != 0)
		return -1;
	hex_encode(buf, nbytes, out);
	return 0;
}

void keys_sha256_hex(const void *data, size_t len, char out[KEYS_SHA256_HEX_LEN + 1])
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;

	SHA256_Init(&ctx);
	SHA256_Update(&ctx, data, len);
	SHA256_Final(digest, &ctx);
	hex_encode(digest, sizeof(digest), out);
}

int keys_new_urlsafe(const char *prefix, char *out)
{
	unsigned char raw[32];
	unsigned char b64[4 * ((sizeof(raw) + 2) / 3) + 1];
	size_t n = strlen(prefix);

	if (keys_random_bytes(raw, sizeof(raw)) != 0)
		return -1;
	/* Standard base64 of 32 bytes is 43 characters and one '='; the URL-safe
	 * alphabet differs only in '-' for '+' and '_' for '/'. */
	EVP_EncodeBlock(b64, raw, (int)sizeof(raw));
	memcpy(out, prefix, n);
	for (size_t i = 0; i < KEYS_URLSAFE_LEN; i++)
		out[n + i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
	out[n + KEYS_URLSAFE_LEN] = '\0';
	return 0;
}

int keys_new_mkey(char out[KEYS_MKEY_LEN + 1])
{
	return keys_new_urlsafe("mkey_", out);
}
