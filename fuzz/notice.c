/* Fuzz target: notices of arbitrary texts. The input is cut at NUL bytes
 * into the notice's texts, its first bytes choose the state and the numbers.
 * Whatever the bytes, every kind's message is built, is valid UTF-8, its JSON
 * parses, its subject and header lines hold no CR or LF, and the e-mail's
 * lines all end in CRLF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/notice.h"
#include "pure/utf8.h"

#define NTEXTS 13

static void check(enum channel_kind kind, const struct message *m)
{
	size_t subject_len = strlen(m->subject);

	if (!m->body || !utf8_valid(m->body, m->len) || subject_len > 255 ||
	    !utf8_valid(m->subject, subject_len) || strpbrk(m->subject, "\r\n"))
		abort();
	for (int i = 0; i < 8 && m->headers[i]; i++)
		if (strpbrk(m->headers[i], "\r\n"))
			abort();
	if (kind == CHANNEL_EMAIL) {
		for (const char *p = strchr(m->body, '\n'); p; p = strchr(p + 1, '\n'))
			if (p == m->body || p[-1] != '\r')
				abort();
	} else if (kind != CHANNEL_NTFY) {
		struct json_object *doc = json_tokener_parse(m->body);

		if (!doc)
			abort();
		json_object_put(doc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const states[] = { "firing", "resolved", "test", "fired" };
	static const char *const metrics[] = { "error_rate", "p95_latency_ms", "request_count", NULL };
	const char *texts[NTEXTS] = { 0 };
	char *copy;
	struct notice n;
	size_t at = 0;

	if (size < 4 || !(copy = malloc(size - 4 + 1)))
		return 0;
	memcpy(copy, data + 4, size - 4);
	copy[size - 4] = '\0';
	for (int i = 0; i < NTEXTS && at <= size - 4; i++) {
		texts[i] = copy + at;
		at += strlen(copy + at) + 1;
	}
	n = (struct notice){
		.state = states[data[0] % 4], .event_id = texts[0], .rule_id = texts[1],
		.rule_name = texts[2], .rule_kind = texts[3], .owner_id = texts[4],
		.owner_name = texts[5], .metric = metrics[data[1] % 4] ? metrics[data[1] % 4] : texts[6],
		.operator = texts[7], .route = texts[8], .method = texts[9], .detail = texts[10],
		.link = texts[11], .owner_field = texts[12] ? "application_id" : NULL,
		.has_value = data[2] & 1, .has_threshold = data[2] & 2,
		.value = (double)(int8_t)data[3] / 7, .threshold = data[2] & 4 ? 1e300 : 0.05,
		.window_seconds = data[2] >> 3 ? (int64_t)(data[2] >> 3) * 60 : 0,
		.at_usec = data[3] & 1 ? 0 : 1764064800000000LL,
	};
	for (int k = 0; k < CHANNEL__COUNT; k++) {
		struct message m;

		if (notice_message(k, &n, "telltale@example.com", "ops@example.com", &m) != 0)
			abort();
		check(k, &m);
		message_release(&m);
	}
	free(copy);
	return 0;
}
