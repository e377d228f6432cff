/* Fuzz target: a stack trace as text, from a copy of exactly its length (no
 * NUL after it: stack_text reads to len). Whatever the bytes, nothing
 * crashes or leaks, and the frames keep stack_text.h's promises: 1 to
 * STACK_TEXT_FRAMES_MAX objects whose strings are UTF-8 of at most
 * STACK_TEXT_PIECE_MAX bytes, with an in_app flag. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pure/stack_text.h"
#include "pure/utf8.h"

static void check_frame(struct json_object *frame)
{
	static const char *const strings[] = { "filename", "module", "function" };
	struct json_object *v;

	if (!json_object_is_type(frame, json_type_object) ||
	    !json_object_object_get_ex(frame, "in_app", &v) || !json_object_is_type(v, json_type_boolean))
		abort();
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (!json_object_object_get_ex(frame, strings[i], &v))
			continue;
		if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > STACK_TEXT_PIECE_MAX ||
		    !utf8_valid(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *frames = NULL;
	char *text = malloc(size ? size : 1);
	int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	n = stack_text_frames(text, size, &frames);
	if (n < 0 || n > STACK_TEXT_FRAMES_MAX || (n > 0) != (frames != NULL) ||
	    (frames && (int)json_object_array_length(frames) != n))
		abort();
	for (int i = 0; i < n; i++)
		check_frame(json_object_array_get_idx(frames, (size_t)i));
	json_object_put(frames);
	free(text);
	return 0;
}
