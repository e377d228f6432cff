/* signature: checked against HMAC-SHA256 computed here with OpenSSL's one-shot
 * HMAC(), and against RFC 4231's first test case. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pure/signature.h"

#include "tap.h"

static void hex_hmac(const char *key, const char *msg, size_t len, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg, len, mac, &n);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

int main(void)
{
	char secret[SIGNATURE_SECRET_LEN + 1], again[SIGNATURE_SECRET_LEN + 1];
	char other[SIGNATURE_SECRET_LEN + 1], header[SIGNATURE_HEADER_MAX + 1];
	char legacy[7 + SIGNATURE_HEX_LEN + 1], want[65], msg[256];
	const char *body = "{\"id\":\"e1\",\"field\":\"status_code\"}";

	/* RFC 4231, test case 2: key "Jefe", "what do ya want for nothing?" */
	ok(signature_legacy("Jefe", "what do ya want for nothing?", 28, legacy) == 0 &&
	   strcmp(legacy, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0,
	   "RFC 4231 test case 2");

	ok(signature_secret("master key", "rule-1", "n1", secret) == 0, "a rule's secret");
	ok(strncmp(secret, "whsec_", 6) == 0 && strlen(secret) == SIGNATURE_SECRET_LEN &&
	   strspn(secret + 6, "0123456789abcdef") == SIGNATURE_HEX_LEN, "  is whsec_ and 64 hex digits");
	signature_secret("master key", "rule-1", "n1", again);
	ok(strcmp(secret, again) == 0, "  the same for the same key, rule and nonce");
	signature_secret("master key", "rule-1", "n2", other);
	ok(strcmp(secret, other) != 0, "  another after a rotation (another nonce)");
	signature_secret("master key", "rule-2", "n1", other);
	ok(strcmp(secret, other) != 0, "  another for another rule");
	signature_secret("other key", "rule-1", "n1", other);
	ok(strcmp(secret, other) != 0, "  another under another signing key");
	hex_hmac("master key", "webhook secret:rule-1:n1", 24, want);
	ok(strcmp(secret + 6, want) == 0, "  the HMAC of \"webhook secret:<rule>:<nonce>\" under the key");

	ok(signature_header(secret, 1765000000, body, strlen(body), header) == 0, "a delivery's signature");
	snprintf(msg, sizeof(msg), "1765000000.%s", body);
	hex_hmac(secret, msg, strlen(msg), want);
	snprintf(msg, sizeof(msg), "t=1765000000,v1=%s", want);
	if (!ok(strcmp(header, msg) == 0, "  is t=<t>,v1=<HMAC of \"<t>.<body>\" under the rule's secret>"))
		printf("#   got %s\n#  want %s\n", header, msg);
	signature_header(secret, 1765000001, body, strlen(body), msg);
	ok(strcmp(header + 16, msg + 16) != 0, "  another second signs another value");

	ok(signature_legacy("master key", body, strlen(body), legacy) == 0, "the legacy signature");
	hex_hmac("master key", body, strlen(body), want);
	ok(strncmp(legacy, "sha256=", 7) == 0 && strcmp(legacy + 7, want) == 0,
	   "  is sha256= and the HMAC of the body under the signing key");
	return tap_done();
}
