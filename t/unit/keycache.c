/* keycache: what is remembered, for how long, and what replaces it. */
#include <stdio.h>
#include <string.h>

#include "pure/keycache.h"
#include "pure/keys.h"

#include "tap.h"

static void digest_of(const char *key, char out[KEYS_SHA256_HEX_LEN + 1])
{
	keys_sha256_hex(key, strlen(key), out);
}

/* A stand-in for the database: says yes to scope 7, counts its calls, and
 * fails for scope 9. */
static int asked;

static int check(int64_t scope, const char *digest, char payload[KEYCACHE_PAYLOAD_MAX],
		 struct error *err)
{
	(void)digest;
	snprintf(payload, KEYCACHE_PAYLOAD_MAX, "fields of %d", (int)scope);
	asked++;
	if (scope == 9)
		return error_set(err, 503, ERROR_UNAVAILABLE, NULL, "down");
	return scope == 7;
}

static void test_known(void)
{
	static struct keycache cache;
	char d[KEYS_SHA256_HEX_LEN + 1];
	struct error err = { 0 };
	int64_t t = 1700000000000000;

	digest_of("known", d);
	ok(keycache_known(&cache, 7, d, t, check, &err, NULL) == 1 && asked == 1, "known: a good key is asked about");
	{
		const char *payload = NULL;

		ok(keycache_known(&cache, 7, d, t, check, &err, &payload) == 1 && asked == 1 &&
		   payload && strcmp(payload, "fields of 7") == 0,
		   "  and what the check said of it comes from the cache too");
	}
	ok(keycache_known(&cache, 7, d, t + 1, check, &err, NULL) == 1 && asked == 1, "  then answered from the cache");
	ok(keycache_known(&cache, 7, d, t + KEYCACHE_TTL_USEC, check, &err, NULL) == 1 && asked == 2,
	   "  and asked about again after a second");
	ok(keycache_known(&cache, 8, d, t, check, &err, NULL) == 0 && asked == 3, "a wrong key is 0");
	ok(keycache_known(&cache, 8, d, t, check, &err, NULL) == 0 && asked == 4, "  and never remembered");
	ok(keycache_known(&cache, 9, d, t, check, &err, NULL) == -1 && err.status == 503, "a failed check is -1 with its error");
}

int main(void)
{
	test_known();
	static struct keycache cache;
	char a[KEYS_SHA256_HEX_LEN + 1], b[KEYS_SHA256_HEX_LEN + 1];
	int64_t t = 1700000000000000;

	digest_of("key a", a);
	digest_of("key b", b);
	ok(!keycache_fresh(&cache, 7, a, t), "an empty cache knows no key");
	keycache_put(&cache, 7, a, t, NULL);
	ok(keycache_fresh(&cache, 7, a, t), "a key put is known at once");
	ok(keycache_fresh(&cache, 7, a, t + KEYCACHE_TTL_USEC - 1), "  and until a second has passed");
	ok(!keycache_fresh(&cache, 7, a, t + KEYCACHE_TTL_USEC), "  not after");
	ok(!keycache_fresh(&cache, 7, a, t - 1), "  nor before it was checked (a clock gone back)");
	ok(!keycache_fresh(&cache, 8, a, t), "a key is known only for its own scope");
	ok(!keycache_fresh(&cache, 7, b, t), "another key is not known");
	ok(!keycache_fresh(&cache, 7, "", t), "nor the empty digest");

	/* Two digests in one slot: the later replaces the earlier. */
	{
		char c[KEYS_SHA256_HEX_LEN + 1];
		int i, found = 0;

		for (i = 0; i < 10000 && !found; i++) {
			char key[32];

			snprintf(key, sizeof(key), "other %d", i);
			digest_of(key, c);
			keycache_put(&cache, 7, a, t, NULL);
			keycache_put(&cache, 7, c, t, NULL);
			found = strcmp(c, a) != 0 && !keycache_fresh(&cache, 7, a, t);
		}
		ok(found && keycache_fresh(&cache, 7, c, t), "a key in the same slot replaces the one before");
	}
	{
		int whole = 1;

		for (int i = 0; i < KEYCACHE_SLOTS; i++)
			whole &= strlen(cache.slots[i].digest) == 0 ||
				 strlen(cache.slots[i].digest) == KEYS_SHA256_HEX_LEN;
		ok(whole, "every slot holds nothing or a whole digest");
	}
	return tap_done();
}
