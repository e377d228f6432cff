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

int main(void)
{
	static struct keycache cache;
	char a[KEYS_SHA256_HEX_LEN + 1], b[KEYS_SHA256_HEX_LEN + 1];
	int64_t t = 1700000000000000;

	digest_of("key a", a);
	digest_of("key b", b);
	ok(!keycache_fresh(&cache, 7, a, t), "an empty cache knows no key");
	keycache_put(&cache, 7, a, t);
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
			keycache_put(&cache, 7, a, t);
			keycache_put(&cache, 7, c, t);
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
