/* signature: HMAC-SHA256 with OpenSSL, written as lower-case hex. */
#include "pure/signature.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The hex HMAC-SHA256 under key of the parts a[0..alen) and b[0..blen)
 * (OpenSSL's one-shot HMAC: its streaming interface is deprecated in 3.0).
 * Returns 0, or -1 on no memory or when OpenSSL fails. */
static int hmac_hex(const char *key, const char *a, size_t alen, const char *b, size_t blen,
		    char out[SIGNATURE_HEX_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	unsigned char *msg = malloc(alen + blen + 1);
	int ok;

	if (!msg)
		return -1;
	memcpy(msg, a, alen);
	memcpy(msg + alen, b, blen);
	ok = HMAC(EVP_sha256(), key, (int)strlen(key), msg, alen + blen, mac, &mac_len) && mac_len == 32;
	free(msg);
	if (!ok)
		return -1;
	for (unsigned int i = 0; i < mac_len; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

int signature_secret(const char *key, const char *rule_id, const char *nonce,
		     char out[SIGNATURE_SECRET_LEN + 1])
{
	char label[160];
	int n = snprintf(label, sizeof(label), "webhook secret:%s:", rule_id);

	if (n < 0 || (size_t)n >= sizeof(label))
		return -1;
	memcpy(out, "whsec_", 6);
	return hmac_hex(key, label, (size_t)n, nonce, strlen(nonce), out + 6);
}

int signature_header(const char *secret, int64_t t, const char *body, size_t len,
		     char out[SIGNATURE_HEADER_MAX + 1])
{
	char stamp[24], mac[SIGNATURE_HEX_LEN + 1];
	int n = snprintf(stamp, sizeof(stamp), "%" PRId64 ".", t);

	if (hmac_hex(secret, stamp, (size_t)n, body, len, mac) != 0)
		return -1;
	snprintf(out, SIGNATURE_HEADER_MAX + 1, "t=%" PRId64 ",v1=%s", t, mac);
	return 0;
}

int signature_legacy(const char *key, const char *body, size_t len,
		     char out[7 + SIGNATURE_HEX_LEN + 1])
{
	memcpy(out, "sha256=", 7);
	return hmac_hex(key, "", 0, body, len, out + 7);
}
