/* fields: shared field rules. */
#include "pure/fields.h"

int field_status_ok(int64_t code)
{
	return code >= FIELD_STATUS_MIN && code <= FIELD_STATUS_MAX;
}

int field_method(const char *s, size_t len, char out[FIELD_METHOD_MAX + 1])
{
	if (len == 0 || len > FIELD_METHOD_MAX)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];

		if (c < 'A' || c > 'Z')
			return -1;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}
