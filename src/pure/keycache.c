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

void keycache_put(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec)
{
	struct keycache_entry *e = slot(c, digest);

	e->scope = scope;
	snprintf(e->digest, sizeof(e->digest), "%s", digest);
	e->checked_usec = now_usec;
}

int keycache_known(struct keycache *c, int64_t scope, const char *digest, int64_t now_usec,
		   int (*check)(int64_t scope, const char *digest, struct error *err),
		   struct error *err)
{
	int good;

	if (keycache_fresh(c, scope, digest, now_usec))
		return 1;
	good = check(scope, digest, err);
	if (good > 0)
		keycache_put(c, scope, digest, now_usec);
	return good;
}
