/* Fuzz target: RFC 3339 parsing. Whatever the input, the parser returns a
 * value in range, and formatting that value parses back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pure/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t usec, again;
	char buf[TIMEFMT_BUFSIZE];

	if (timefmt_parse((const char *)data, size, &usec) != 0)
		return 0;
	if (usec < TIMEFMT_MIN_USEC || usec > TIMEFMT_MAX_USEC)
		abort();
	timefmt_format(usec, buf);
	if (timefmt_parse(buf, strlen(buf), &again) != 0 || again != usec)
		abort();
	return 0;
}
