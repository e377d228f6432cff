/* Fuzz target: a Sentry envelope body the way /api reads it. The first byte
 * picks the Content-Encoding; the rest is inflated under a cap, split into
 * items, and each event item is checked and mapped onto an event. The inflated
 * size never passes the cap, and a mapped event is always one the ingest
 * statement can take: its rows, the stack and context written from the
 * event's text among them, read back as JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pure/envelope.h"
#include "pure/event_input.h"
#include "pure/inflate.h"
#include "pure/jsoncheck.h"
#include "rows_check.h"
#include "pure/sentry_event.h"
#include "pure/utf8.h"

#define CAP (256 * 1024)

static void map_event(const char *payload, size_t len)
{
	struct jsoncheck_result check;
	struct sentry_event ev;

	if (jsoncheck(payload, len, 32, &check) != JSONCHECK_OK)
		return;
	if (sentry_event_parse(&ev, payload, len, 0) == 0) {
		if (ev.input.level >= LEVEL__MAX || ev.input.message_len > EVENT_MESSAGE_MAX ||
		    !utf8_valid(ev.input.message, ev.input.message_len))
			abort();
		check_rows(&ev.input);
	}
	sentry_event_release(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope env;
	struct envelope_item item;
	char *body = NULL, *copy;
	size_t len = 0;

	if (size < 1)
		return 0;
	if (inflate_body((enum inflate_encoding)(data[0] % INFLATE__MAX), (const char *)data + 1,
			 size - 1, CAP, &body, &len) != INFLATE_OK)
		return 0;
	if (len > CAP)
		abort();
	if (envelope_init(&env, body, len) == 0) {
		while (envelope_next(&env, &item) == 1) {
			if (!item.type || strcmp(item.type, "event") != 0)
				continue;
			copy = malloc(item.payload_len + 1);
			memcpy(copy, item.payload, item.payload_len);
			copy[item.payload_len] = '\0';
			map_event(copy, item.payload_len);
			free(copy);
		}
	}
	envelope_release(&env);
	free(body);
	return 0;
}
