/* keycache: a worker's memory of the keys the database has just said are
 * good, so that a request's key can be checked before its body is read
 * without a round trip each time. An entry is trusted for KEYCACHE_TTL_USEC;
 * the statement that stores still checks the key, so a key revoked within
 * that second stops at once all the same. Pure: the caller owns the cache
 * and says what time it is. */
#ifndef TELLTALE_KEYCACHE_H
#define TELLTALE_KEYCACHE_H

#include <stdint.h>

#include "pure/error.h"
#include "pure/keys.h"
#include "pure/mask.h"

#define KEYCACHE_SLOTS 64
#define KEYCACHE_TTL_USEC 1000000
/* What the check said of the key besides yes: the mask fields of what it
 * opens, one a line. */
#define KEYCACHE_PAYLOAD_MAX (MASK_FIELDS_MAX * (MASK_FIELD_MAX + 1) + 1)

struct keycache_entry {
	int64_t scope;                          /* what the key opens: an application's id, or 0 */
	char digest[KEYS_SHA256_HEX_LEN + 1];   /* "" for an empty slot */
	int64_t checked_usec;
	char payload[KEYCACHE_PAYLOAD_MAX];
};

struct keycache {
	struct keycache_entry slots[KEYCACHE_SLOTS];
};

/* 1 when digest was found good for scope less than KEYCACHE_TTL_USEC before now. */
int keycache_fresh(const struct keycache *c, int64_t scope, const char *digest, int64_t now_usec);

/* Remembers that digest is good for scope as of now, with payload (may be
 * NULL: ""), in the slot its digest picks (replacing what was there). */
void keycache_put(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec,
		  const char *payload);

/* What check answers: 1 good (payload filled, "" when nothing more), 0 not,
 * -1 failed with *err. */
typedef int keycache_check(int64_t scope, const char *digest, char payload[KEYCACHE_PAYLOAD_MAX],
			   struct error *err);

/* Whether digest is good for scope: from the cache when it was found so less
 * than KEYCACHE_TTL_USEC before now, else by asking check, whose yes is
 * remembered. Returns 1 with *payload (when payload is not NULL; lent, until
 * the cache is next changed), 0, or -1 with *err. */
int keycache_known(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec,
		   keycache_check *check, struct error *err, const char **payload);

#endif
