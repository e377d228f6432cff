/* Fuzz target: query-string and path-segment decoding. Decoding never reads
 * or writes out of bounds, and a decoded value is never longer than its text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pure/urlcode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *qs = malloc(size + 1);
	struct urlcode_query q;
	size_t len;
	char *seg;

	if (!qs)
		return 0;
	memcpy(qs, data, size);
	qs[size] = '\0';
	if (urlcode_query_parse(qs, &q) == 0) {
		for (size_t i = 0; i < q.count; i++)
			if (q.params[i].value && q.params[i].value_len > size)
				abort();
		urlcode_query_get(&q, "since");
		urlcode_query_free(&q);
	}
	seg = urlcode_decode((const char *)data, size, 0, &len);
	if (seg && len > size)
		abort();
	free(seg);
	free(qs);
	return 0;
}
