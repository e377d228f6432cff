/* retention: see retention.h. */
#include "pure/retention.h"

#include <errno.h>
#include <stdlib.h>

int retention_days_from_json(struct json_object *doc, int *days, struct error *err)
{
	struct json_object *v = NULL;
	int64_t n;

	if (!json_object_object_get_ex(doc, "retention_days", &v))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < RETENTION_DAYS_MIN || n > RETENTION_DAYS_MAX)
		return error_set(err, 422, ERROR_VALIDATION, "retention_days",
				 "must be an integer from %d to %d", RETENTION_DAYS_MIN, RETENTION_DAYS_MAX);
	*days = (int)n;
	return 0;
}

int retention_days_setting(const char *text, int fallback)
{
	char *end;
	long n;

	if (!text || !*text)
		return fallback;
	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || *end || n < RETENTION_DAYS_MIN || n > RETENTION_DAYS_MAX)
		return fallback;
	return (int)n;
}
