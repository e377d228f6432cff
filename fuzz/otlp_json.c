/* Fuzz target: an OTLP/HTTP body in the JSON mapping, read as a trace export
 * and as a logs export, from a copy of exactly its length (no NUL after it:
 * the decoders read to len). Whatever the input, nothing crashes or leaks, a
 * refusal is a 400 with a message, and what is decoded keeps otlp.h's
 * promises (otlp_check.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_check.h"
#include "pure/otlp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_export ex;
	struct error err;
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (otlp_traces_from_json(text, size, &ex, &err) == 0) {
		check_export(&ex, size);
		if (ex.n_logs != 0)
			abort();
	} else {
		check_refusal(&err);
	}
	otlp_export_free(&ex);
	if (otlp_logs_from_json(text, size, &ex, &err) == 0) {
		check_export(&ex, size);
		if (ex.n_spans != 0)
			abort();
	} else {
		check_refusal(&err);
	}
	otlp_export_free(&ex);
	free(text);
	return 0;
}
