/* keycache: a direct-mapped table; a digest is random, so its first hex
 * digits pick its slot evenly. */
#include "pure/keycache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct keycache_entry *slot(const struct keycache *c, const char *digest)
{
	char head[5];
	unsigned long n;

	snprintf(head, sizeof(head), "%s", digest);
	n = strtoul(head, NULL, 16);
	return (struct keycache_entry *)&c->slots[n % KEYCACHE_SLOTS];
}

int keycache_fresh(const struct keycache *c, int64_t scope, const char *digest, int64_t now_usec)
{
	const struct keycache_entry *e = slot(c, digest);

	return e->scope == scope && strcmp(e->digest, digest) == 0 &&
	       now_usec >= e->checked_usec && now_usec - e->checked_usec < KEYCACHE_TTL_USEC;
}

void keycache_put(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec,
		  const char *payload)
{
	struct keycache_entry *e = slot(c, digest);

	e->scope = scope;
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	e->checked_usec = now_usec;
	snprintf(e->payload, sizeof(e->payload), "%s", payload ? payload : "");
}

int keycache_known(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec,
		   keycache_check *check, struct error *err, const char **payload)
{
	char fresh[KEYCACHE_PAYLOAD_MAX] = "";
	int good = 1;

	if (!keycache_fresh(c, scope, digest, now_usec)) {
		good = check(scope, digest, fresh, err);
		if (good > 0)
			keycache_put(c, scope, digest, now_usec, fresh);
	}
	if (good > 0 && payload)
		*payload = slot(c, digest)->payload;
	return good;
}
