/* error: the one refusal type of every layer below the handlers. */
#include "pure/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *e, int status, const char *code, const char *field,
	      const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

int error_invalid(struct error *e, const char *field, const char *message)
{
	return error_set(e, 422, ERROR_VALIDATION, field, "%s", message);
}

int error_name_field(struct error *e)
{
	char message[sizeof(e->message)];

	if (!e->field[0])
		return -1;
	snprintf(message, sizeof(message), "%.200s %.300s", e->field, e->message);
	memcpy(e->message, message, sizeof(message));
	return -1;
}
