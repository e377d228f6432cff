/* password: argon2id through libargon2, never a hash of our own. */
#include "pure/password.h"

#include <argon2.h>

#include "pure/keys.h"
#include "pure/utf8.h"

#define SALT_BYTES 16
#define HASH_BYTES 32

/* The hash an unknown name is checked against: the parameters of every hash,
 * a salt and a password nobody needs (a match is refused anyway). */
static const char dummy_hash[] =
	"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$"
	"O4z/m6/5Rsoqd/b1NzxQTNPHbcI764Qdsc2gM7UEfoc";

int password_acceptable(const char *password, size_t len)
{
	return len <= PASSWORD_MAX_BYTES && utf8_valid(password, len) &&
	       utf8_count(password, len) >= PASSWORD_MIN_CHARS;
}

int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_BYTES];

	if (keys_random_bytes(salt, sizeof(salt)) != 0)
		return -1;
	return argon2id_hash_encoded(PASSWORD_T_COST, PASSWORD_M_COST_KIB, PASSWORD_PARALLELISM,
				     password, len, salt, sizeof(salt), HASH_BYTES,
				     out, PASSWORD_HASH_MAX) == ARGON2_OK ? 0 : -1;
}

int password_check(const char *stored, const char *password, size_t len, int *hashed)
{
	int rc = argon2id_verify(stored ? stored : dummy_hash, password, len);

	/* A stored string libargon2 cannot decode returns at once, unhashed. */
	*hashed = rc == ARGON2_OK || rc == ARGON2_VERIFY_MISMATCH;
	return stored && rc == ARGON2_OK;
}
