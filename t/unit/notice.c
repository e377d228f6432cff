/* notice: each channel's message read back as its service reads it: the JSON
 * parsed and walked to the members each service documents, its limits
 * checked in the units the services count; ntfy's headers; the e-mail taken
 * apart into headers and parts, its base64 decoded. Hostile texts (CR/LF,
 * markup, invalid UTF-8) must never break a header line or the HTML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "pure/notice.h"
#include "pure/utf8.h"
#include "tap.h"

#define AT 1764064800000000LL      /* 2025-11-25T10:00:00Z, a Tuesday */
#define LINK "https://telltale.example/services/s-1/alerts/r-1"

static struct notice firing(void)
{
	return (struct notice){
		.state = "firing", .event_id = "e-1", .rule_id = "r-1", .rule_name = "High errors",
		.rule_kind = "window", .owner_field = "service_id", .owner_id = "s-1",
		.owner_name = "checkout-api", .metric = "error_rate", .operator = ">",
		.has_value = 1, .has_threshold = 1, .value = 0.12, .threshold = 0.05,
		.window_seconds = 300, .route = "/checkout", .method = "POST",
		.detail = "48 of 400 requests failed", .link = LINK, .at_usec = AT,
	};
}

/* --- reading messages ----------------------------------------------------- */

static struct json_object *parse(const struct message *m)
{
	return m->body ? json_tokener_parse(m->body) : NULL;
}

/* obj's member at a path "embeds/0/title" (numbers index arrays), or NULL. */
static struct json_object *at(struct json_object *obj, const char *path)
{
	char key[64];

	while (obj && *path) {
		size_t n = strcspn(path, "/");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (json_object_is_type(obj, json_type_array))
			obj = json_object_array_get_idx(obj, (size_t)atoi(key));
		else if (!json_object_object_get_ex(obj, key, &obj))
			return NULL;
		path += n + (path[n] == '/');
	}
	return obj;
}

static const char *str_at(struct json_object *obj, const char *path)
{
	struct json_object *o = at(obj, path);

	return o && json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static long long int_at(struct json_object *obj, const char *path)
{
	struct json_object *o = at(obj, path);

	return o ? json_object_get_int64(o) : -1;
}

static size_t len_at(struct json_object *obj, const char *path)
{
	struct json_object *o = at(obj, path);

	return o && json_object_is_type(o, json_type_array) ? json_object_array_length(o) : 0;
}

/* Length in UTF-16 units, as Slack, Discord and Teams count. */
static size_t units(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		n += (*p & 0xC0) != 0x80 ? 1 + (*p >= 0xF0) : 0;
	return n;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = s ? strlen(s) : 0, t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The value of m's header name, or NULL. */
static const char *header(const struct message *m, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < 8 && m->headers[i]; i++)
		if (strncmp(m->headers[i], name, n) == 0 && m->headers[i][n] == ':')
			return m->headers[i] + n + 2;
	return NULL;
}

/* base64 text (lines and all) decoded into a new string. */
static char *unbase64(const char *s, size_t n)
{
	char *clean = calloc(1, n + 1), *out = calloc(1, n + 1);
	size_t len = 0;
	int got;

	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			clean[len++] = s[i];
	got = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)clean, (int)len);
	if (got < 0)
		got = 0;
	got -= len >= 1 && clean[len - 1] == '=';
	got -= len >= 2 && clean[len - 2] == '=';
	out[got] = '\0';
	free(clean);
	return out;
}

/* The text of RFC 2047 encoded words "=?UTF-8?B?...?=" separated by white
 * space; *longest is the longest word. */
static char *unwords(const char *s, size_t *longest)
{
	char *out = calloc(1, strlen(s) + 1);

	*longest = 0;
	while ((s = strstr(s, "=?UTF-8?B?"))) {
		const char *end = strstr(s + 10, "?=");
		char *part;

		if (!end)
			break;
		if ((size_t)(end + 2 - s) > *longest)
			*longest = (size_t)(end + 2 - s);
		part = unbase64(s + 10, (size_t)(end - s - 10));
		strcat(out, part);
		free(part);
		s = end + 2;
	}
	return out;
}

/* --- kinds ---------------------------------------------------------------- */

static void test_kind_names(void)
{
	for (int k = 0; k < CHANNEL__COUNT; k++)
		is_int(channel_kind_from_name(channel_kind_names[k]), k, channel_kind_names[k]);
	is_str(channel_kind_names[CHANNEL_EMAIL], "email", "the last kind is email");
	is_int(channel_kind_from_name("Slack"), -1, "names are exact");
	is_int(channel_kind_from_name("sms"), -1, "an unknown kind");
	is_int(channel_kind_from_name(NULL), -1, "no name");
}

static void test_webhook(void)
{
	struct notice n = firing();
	struct message m;
	struct json_object *doc;

	ok(notice_message(CHANNEL_WEBHOOK, &n, NULL, NULL, &m) == 0, "webhook: built");
	is_str(m.content_type, "application/json", "webhook: JSON");
	doc = parse(&m);
	is_str(str_at(doc, "id"), "e-1", "webhook: id is the event's");
	is_str(str_at(doc, "alert_id"), "r-1", "webhook: alert_id");
	is_str(str_at(doc, "state"), "firing", "webhook: state");
	is_str(str_at(doc, "metric"), "error_rate", "webhook: metric");
	ok(json_object_get_double(at(doc, "value")) == 0.12, "webhook: a rate is raw");
	ok(strstr(m.body, "\"value\":0.12,") != NULL, "webhook: written as 0.12");
	ok(json_object_get_double(at(doc, "threshold")) == 0.05, "webhook: threshold");
	is_str(str_at(doc, "operator"), ">", "webhook: operator");
	is_int(int_at(doc, "window_seconds"), 300, "webhook: window_seconds");
	is_str(str_at(doc, "route"), "/checkout", "webhook: route");
	is_str(str_at(doc, "method"), "POST", "webhook: method");
	is_str(str_at(doc, "created_at"), "2025-11-25T10:00:00Z", "webhook: created_at");
	is_str(str_at(doc, "alert/name"), "High errors", "webhook: alert.name");
	is_str(str_at(doc, "alert/kind"), "window", "webhook: alert.kind");
	is_str(str_at(doc, "alert/service_id"), "s-1", "webhook: alert.service_id");
	json_object_put(doc);
	message_release(&m);

	n.has_value = n.has_threshold = 0;
	n.operator = n.route = n.method = NULL;
	n.window_seconds = 0;
	n.owner_field = "application_id";
	n.state = "fired";
	n.metric = "new_issue";
	notice_message(CHANNEL_WEBHOOK, &n, NULL, NULL, &m);
	doc = parse(&m);
	ok(at(doc, "value") == NULL && json_object_object_get_ex(doc, "value", NULL), "webhook: no value is null");
	ok(json_object_object_get_ex(doc, "threshold", NULL) && !at(doc, "threshold"), "webhook: no threshold is null");
	ok(json_object_object_get_ex(doc, "window_seconds", NULL) && !at(doc, "window_seconds"),
	   "webhook: no window is null");
	ok(json_object_object_get_ex(doc, "route", NULL) && !at(doc, "route"), "webhook: any route is null");
	is_str(str_at(doc, "alert/application_id"), "s-1", "webhook: the owner field named");
	ok(!json_object_object_get_ex(at(doc, "alert"), "service_id", NULL), "webhook: only that one");
	json_object_put(doc);
	message_release(&m);
}

static void test_slack(void)
{
	struct notice n = firing();
	struct message m;
	struct json_object *doc;
	size_t fields;

	ok(notice_message(CHANNEL_SLACK, &n, NULL, NULL, &m) == 0, "slack: built");
	doc = parse(&m);
	ok(doc != NULL, "slack: JSON");
	is_str(str_at(doc, "text"), "[FIRING] High errors: error_rate 12.0 % &gt; 5.0 % over 5m (checkout-api)",
	       "slack: the fallback text, mrkdwn-escaped");
	is_str(str_at(doc, "blocks/0/type"), "header", "slack: a header block first");
	is_str(str_at(doc, "blocks/0/text/type"), "plain_text", "slack: the header is plain_text");
	is_str(str_at(doc, "blocks/0/text/text"), m.subject, "slack: the header is the subject");
	is_str(str_at(doc, "blocks/1/type"), "section", "slack: then a section");
	is_str(str_at(doc, "blocks/1/text/type"), "mrkdwn", "slack: its text is mrkdwn");
	is_str(str_at(doc, "blocks/1/text/text"),
	       "error_rate is 12.0 % (threshold &gt; 5.0 %) over the last 5 minutes.", "slack: the sentence");
	fields = len_at(doc, "blocks/1/fields");
	ok(fields >= 8 && fields <= 10, "slack: 8 to 10 fields");
	is_str(str_at(doc, "blocks/1/fields/3/text"), "*Value*\n12.0 %", "slack: a rate as percent");
	is_str(str_at(doc, "blocks/2/type"), "context", "slack: a context block");
	is_str(str_at(doc, "blocks/2/elements/0/text"), "2025-11-25T10:00:00Z", "slack: with the time");
	is_str(str_at(doc, "blocks/3/type"), "actions", "slack: an actions block");
	is_str(str_at(doc, "blocks/3/elements/0/type"), "button", "slack: a button");
	is_str(str_at(doc, "blocks/3/elements/0/url"), LINK, "slack: to the link");
	json_object_put(doc);
	message_release(&m);

	n.link = "javascript:alert(1)";
	notice_message(CHANNEL_SLACK, &n, NULL, NULL, &m);
	doc = parse(&m);
	is_int(len_at(doc, "blocks"), 3, "slack: no button for a link that is not http(s)");
	ok(!strstr(m.body, "javascript"), "slack: that link is nowhere");
	json_object_put(doc);
	message_release(&m);
}

static void test_discord(void)
{
	static const struct {
		const char *state;
		long long color;
	} colors[] = {
		{ "firing", 0xE01E5A }, { "resolved", 0x2EB67D }, { "test", 0x979A9B }, { "fired", 0xE01E5A },
	};
	struct notice n = firing();
	struct message m;
	struct json_object *doc;

	ok(notice_message(CHANNEL_DISCORD, &n, NULL, NULL, &m) == 0, "discord: built");
	doc = parse(&m);
	is_str(str_at(doc, "content"), m.subject, "discord: content");
	is_str(str_at(doc, "embeds/0/title"), m.subject, "discord: embed title");
	is_str(str_at(doc, "embeds/0/url"), LINK, "discord: embed url");
	is_str(str_at(doc, "embeds/0/timestamp"), "2025-11-25T10:00:00Z", "discord: embed timestamp");
	ok(len_at(doc, "embeds/0/fields") >= 8, "discord: fields");
	is_str(str_at(doc, "embeds/0/fields/0/name"), "Rule", "discord: a field's name");
	ok(json_object_is_type(at(doc, "embeds/0/fields/0/inline"), json_type_boolean), "discord: inline");
	ok(at(doc, "allowed_mentions/parse") && len_at(doc, "allowed_mentions/parse") == 0,
	   "discord: mentions none");
	json_object_put(doc);
	message_release(&m);
	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++) {
		n.state = colors[i].state;
		notice_message(CHANNEL_DISCORD, &n, NULL, NULL, &m);
		doc = parse(&m);
		is_int(int_at(doc, "embeds/0/color"), colors[i].color, colors[i].state);
		json_object_put(doc);
		message_release(&m);
	}
}

static void test_teams(void)
{
	struct notice n = firing();
	struct message m;
	struct json_object *doc, *facts;

	ok(notice_message(CHANNEL_TEAMS, &n, NULL, NULL, &m) == 0, "teams: built");
	doc = parse(&m);
	is_str(str_at(doc, "type"), "message", "teams: a message");
	is_str(str_at(doc, "attachments/0/contentType"), "application/vnd.microsoft.card.adaptive",
	       "teams: an adaptive card attachment");
	ok(json_object_object_get_ex(at(doc, "attachments/0"), "contentUrl", NULL) &&
	   !at(doc, "attachments/0/contentUrl"), "teams: contentUrl null");
	is_str(str_at(doc, "attachments/0/content/type"), "AdaptiveCard", "teams: content.type");
	is_str(str_at(doc, "attachments/0/content/version"), "1.4", "teams: version 1.4");
	is_str(str_at(doc, "attachments/0/content/$schema"), "http://adaptivecards.io/schemas/adaptive-card.json",
	       "teams: $schema");
	is_str(str_at(doc, "attachments/0/content/body/0/type"), "TextBlock", "teams: a title TextBlock");
	is_str(str_at(doc, "attachments/0/content/body/0/weight"), "Bolder", "teams: bold");
	ok(json_object_get_boolean(at(doc, "attachments/0/content/body/0/wrap")), "teams: wrapped");
	is_str(str_at(doc, "attachments/0/content/body/1/type"), "TextBlock", "teams: a detail TextBlock");
	is_str(str_at(doc, "attachments/0/content/body/2/type"), "FactSet", "teams: a FactSet");
	facts = at(doc, "attachments/0/content/body/2/facts");
	ok(facts && json_object_array_length(facts) >= 9, "teams: the facts");
	is_str(str_at(facts, "0/title"), "Rule", "teams: a fact's title");
	is_str(str_at(facts, "0/value"), "High errors", "teams: a fact's value");
	is_str(str_at(doc, "attachments/0/content/actions/0/type"), "Action.OpenUrl", "teams: an OpenUrl");
	is_str(str_at(doc, "attachments/0/content/actions/0/url"), LINK, "teams: to the link");
	json_object_put(doc);
	message_release(&m);
}

static void test_ntfy_states(void)
{
	static const struct {
		const char *state, *label, *priority, *tags;
	} cases[] = {
		{ "firing", "[FIRING] ", "4", "rotating_light" },
		{ "resolved", "[RESOLVED] ", "3", "white_check_mark" },
		{ "test", "[TEST] ", "2", "test_tube" },
		{ "fired", "[FIRED] ", "4", "rotating_light" },
		{ "bogus", "[FIRED] ", "4", "rotating_light" },
	};
	struct notice n = firing();
	struct message m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];

		n.state = cases[i].state;
		notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
		snprintf(name, sizeof(name), "ntfy %s: subject", cases[i].state);
		ok(strncmp(m.subject, cases[i].label, strlen(cases[i].label)) == 0, name);
		snprintf(name, sizeof(name), "ntfy %s: Priority", cases[i].state);
		is_str(header(&m, "Priority"), cases[i].priority, name);
		snprintf(name, sizeof(name), "ntfy %s: Tags", cases[i].state);
		is_str(header(&m, "Tags"), cases[i].tags, name);
		message_release(&m);
	}
	n = firing();
	notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
	is_str(m.content_type, "text/plain; charset=utf-8", "ntfy: text/plain");
	is_str(header(&m, "Title"), m.subject, "ntfy: an ASCII Title as it is");
	is_str(header(&m, "Click"), LINK, "ntfy: Click");
	ok(strstr(m.body, "\nValue: 12.0 %\n") && strstr(m.body, "\nThreshold: > 5.0 %\n") &&
	   strstr(m.body, "\nWindow: 5 minutes\n") && strstr(m.body, "\nRoute: /checkout\n") &&
	   strstr(m.body, "\nMethod: POST\n") && strstr(m.body, "\nService: checkout-api\n") &&
	   strstr(m.body, "\nTime: 2025-11-25T10:00:00Z\n") && strstr(m.body, "\nLink: " LINK "\n"),
	   "ntfy: the lines");
	message_release(&m);
	n.link = "ftp://example.com/x";
	notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
	ok(header(&m, "Click") == NULL && m.headers[3] == NULL, "ntfy: no Click for a link not http(s)");
	message_release(&m);
}

static void test_numbers(void)
{
	static const struct {
		const char *metric;
		double value;
		int64_t window;
		const char *line, *window_line, *subject_part;
	} cases[] = {
		{ "p95_latency_ms", 812.44, 3600, "Value: 812.4 ms", "Window: 1 hour", "812.4 ms > 5.0 ms over 1h" },
		{ "request_count", 1234, 86400, "Value: 1234", "Window: 1 day", "1234 > 5 over 1d" },
		{ "error_rate", 1, 90, "Value: 100.0 %", "Window: 90 seconds", "100.0 % > 5.0 % over 90s" },
		{ "error_count", 3, 7200, "Value: 3", "Window: 2 hours", "3 > 5 over 2h" },
		{ "status_code", 503, 60, "Value: 503", "Window: 1 minute", "503 > 5 over 1m" },
		{ "p99_latency_ms", 1e300, 120, "Value: 1e+300 ms", "Window: 2 minutes", "1e+300 ms > 5.0 ms over 2m" },
		{ "cpu", 0.25, 45, "Value: 0.25", "Window: 45 seconds", "cpu 0.25 > 5 over 45s" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct notice n = firing();
		struct message m;

		n.metric = cases[i].metric;
		n.value = cases[i].value;
		n.threshold = strcmp(n.metric, "error_rate") == 0 ? 0.05 : 5;
		n.window_seconds = cases[i].window;
		notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
		ok(strstr(m.body, cases[i].line) != NULL, cases[i].line);
		ok(strstr(m.body, cases[i].window_line) != NULL, cases[i].window_line);
		ok(strstr(m.subject, cases[i].subject_part) != NULL, cases[i].subject_part);
		message_release(&m);
	}
}

/* --- limits and hostile text ---------------------------------------------- */

/* A text of count Greek letters (two bytes each), owned by the caller. */
static char *greek(size_t count)
{
	char *s = malloc(2 * count + 1);

	for (size_t i = 0; i < count; i++)
		memcpy(s + 2 * i, i % 2 ? "\xCE\xB2" : "\xCE\xB1", 2);   /* α β */
	s[2 * count] = '\0';
	return s;
}

static void test_limits(void)
{
	char *name = greek(5000), *detail = greek(5000);
	struct notice n = firing();
	struct message m;
	struct json_object *doc, *fields;
	size_t total;

	n.rule_name = name;
	n.detail = detail;
	n.owner_name = name;
	for (int k = 0; k < CHANNEL__COUNT; k++) {
		char what[64];

		snprintf(what, sizeof(what), "%s: long texts are valid UTF-8", channel_kind_names[k]);
		ok(notice_message(k, &n, "a@example.com", "b@example.com", &m) == 0 &&
		   utf8_valid(m.body, m.len), what);
		message_release(&m);
	}
	ok(strlen(m.subject) <= 255 && utf8_valid(m.subject, strlen(m.subject)) &&
	   ends_with(m.subject, "\xE2\x80\xA6"), "subject: cut to 255 bytes at a character, with …");

	notice_message(CHANNEL_SLACK, &n, NULL, NULL, &m);
	doc = parse(&m);
	ok(units(str_at(doc, "blocks/0/text/text")) <= 150 && ends_with(str_at(doc, "blocks/0/text/text"),
	   "\xE2\x80\xA6"), "slack: header within 150, cut with …");
	ok(units(str_at(doc, "blocks/1/text/text")) <= 3000, "slack: section text within 3000");
	fields = at(doc, "blocks/1/fields");
	ok(json_object_array_length(fields) <= 10, "slack: at most 10 fields");
	for (size_t i = 0, bad = 0; i < json_object_array_length(fields); i++) {
		bad += units(str_at(json_object_array_get_idx(fields, i), "text")) > 2000;
		if (i + 1 == json_object_array_length(fields))
			ok(!bad, "slack: each field within 2000");
	}
	ok(ends_with(str_at(fields, "0/text"), "\xE2\x80\xA6"), "slack: a long field cut with …");
	json_object_put(doc);
	message_release(&m);

	notice_message(CHANNEL_DISCORD, &n, NULL, NULL, &m);
	doc = parse(&m);
	ok(units(str_at(doc, "content")) <= 2000, "discord: content within 2000");
	total = units(str_at(doc, "embeds/0/title"));
	ok(total <= 256, "discord: title within 256");
	ok(units(str_at(doc, "embeds/0/description")) <= 4096, "discord: description within 4096");
	total += units(str_at(doc, "embeds/0/description"));
	fields = at(doc, "embeds/0/fields");
	ok(json_object_array_length(fields) <= 25, "discord: at most 25 fields");
	for (size_t i = 0, bad = 0; i < json_object_array_length(fields); i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);

		bad += units(str_at(f, "name")) > 256 || units(str_at(f, "value")) > 1024 ||
		       units(str_at(f, "value")) == 0;
		total += units(str_at(f, "name")) + units(str_at(f, "value"));
		if (i + 1 == json_object_array_length(fields))
			ok(!bad, "discord: names within 256, values 1 to 1024");
	}
	ok(total <= 6000, "discord: the embed within 6000 in all");
	ok(ends_with(str_at(fields, "0/value"), "\xE2\x80\xA6"), "discord: a long value cut with …");
	json_object_put(doc);
	message_release(&m);
	free(name);
	free(detail);
}

/* The caller's texts at their worst. */
static struct notice hostile(void)
{
	struct notice n = firing();

	n.rule_name = "evil\r\nBcc: victim@example.com\r\n\r\n<script>alert(1)</script> & \"q\" 'x'";
	n.owner_name = "svc\nX-Injected: 1";
	n.detail = "bad \xFF\xFE bytes \xC3 and \xED\xA0\x80 and <b>&amp;</b>\x7F\x85";
	n.route = "/a\r\nb";
	n.method = "\tGET ";
	n.operator = ">\n";
	return n;
}

static int has_line_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static void test_hostile(void)
{
	struct notice n = hostile();
	struct message m;
	struct json_object *doc;

	for (int k = 0; k < CHANNEL__COUNT; k++) {
		char what[64];

		notice_message(k, &n, "a@example.com", "b@example.com", &m);
		snprintf(what, sizeof(what), "%s: hostile texts stay valid UTF-8", channel_kind_names[k]);
		ok(m.body && utf8_valid(m.body, m.len), what);
		snprintf(what, sizeof(what), "%s: no line break in the subject", channel_kind_names[k]);
		ok(!has_line_break(m.subject), what);
		if (k != CHANNEL_NTFY && k != CHANNEL_EMAIL) {
			snprintf(what, sizeof(what), "%s: still JSON", channel_kind_names[k]);
			doc = parse(&m);
			ok(doc != NULL, what);
			json_object_put(doc);
		}
		message_release(&m);
	}

	notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
	for (int i = 0; m.headers[i]; i++)
		ok(!has_line_break(m.headers[i]) && strchr(m.headers[i], ':'), "ntfy: a header stays one line");
	ok(!strstr(m.body, "\nBcc:") && !strstr(m.body, "\nX-Injected"), "ntfy: no text starts a line of its own");
	message_release(&m);

	notice_message(CHANNEL_SLACK, &n, NULL, NULL, &m);
	doc = parse(&m);
	ok(!strchr(str_at(doc, "text"), '<') && strstr(str_at(doc, "text"), "&lt;script&gt;") &&
	   strstr(str_at(doc, "text"), "&amp;"), "slack: mrkdwn escaped in the fallback");
	ok(strstr(str_at(doc, "blocks/1/fields/8/text"), "&lt;b&gt;&amp;amp;&lt;/b&gt;") != NULL,
	   "slack: and in a field");
	ok(strstr(str_at(doc, "blocks/1/fields/8/text"), "\xEF\xBF\xBD") != NULL,
	   "slack: an invalid byte shows as U+FFFD");
	is_str(str_at(doc, "blocks/1/fields/6/text"), "*Method*\nGET", "slack: texts trimmed");
	json_object_put(doc);
	message_release(&m);
}

/* --- e-mail --------------------------------------------------------------- */

struct mail {
	char *headers;      /* the header block, unfolded lines as they are */
	char *text, *html;  /* the parts decoded */
	const char *boundary;
	int parts, bad_lines;
};

/* The part after "--boundary\r\n" at p: its type checked, its base64
 * decoded. */
static void read_part(struct mail *mail, const char *p, const char *end)
{
	const char *body = strstr(p, "\r\n\r\n");
	char **into;

	if (!body || body > end)
		return;
	into = strstr(p, "Content-Type: text/html; charset=utf-8\r\n") == p ? &mail->html :
	       strstr(p, "Content-Type: text/plain; charset=utf-8\r\n") == p ? &mail->text : NULL;
	if (!into || !strstr(p, "Content-Transfer-Encoding: base64\r\n"))
		return;
	body += 4;
	for (const char *line = body; line < end;) {
		const char *eol = strstr(line, "\r\n");

		mail->bad_lines += !eol || eol - line > 76;
		line = eol ? eol + 2 : end;
	}
	*into = unbase64(body, (size_t)(end - body));
	mail->parts++;
}

static void read_mail(struct mail *mail, const char *msg)
{
	const char *split = strstr(msg, "\r\n\r\n"), *b = strstr(msg, "boundary=\"");
	static char boundary[128];
	char delimiter[140];
	const char *p;

	memset(mail, 0, sizeof(*mail));
	if (!split || !b)
		return;
	mail->headers = strndup(msg, (size_t)(split - msg) + 2);
	snprintf(boundary, sizeof(boundary), "%.*s", (int)strcspn(b + 10, "\""), b + 10);
	mail->boundary = boundary;
	snprintf(delimiter, sizeof(delimiter), "--%s\r\n", boundary);
	for (p = strstr(split, delimiter); p;) {
		const char *next = strstr(p + 1, "\r\n--");

		p += strlen(delimiter);
		if (!next)
			break;
		read_part(mail, p, next + 2);
		p = strncmp(next + 2, delimiter, strlen(delimiter)) == 0 ? next + 2 : NULL;
	}
}

static void mail_release(struct mail *mail)
{
	free(mail->headers);
	free(mail->text);
	free(mail->html);
}

/* 1 when every LF of s follows a CR. */
static int crlf_only(const char *s)
{
	for (const char *p = strchr(s, '\n'); p; p = strchr(p + 1, '\n'))
		if (p == s || p[-1] != '\r')
			return 0;
	return 1;
}

/* The Subject header's value, unfolded. */
static char *subject_header(const char *headers)
{
	const char *s = strstr(headers, "\r\nSubject: ");
	char *out, *o;

	if (!s)
		return NULL;
	o = out = calloc(1, strlen(s));
	for (s += 11; *s && !(s[0] == '\r' && s[1] == '\n' && s[2] != ' '); s++)
		if (*s != '\r' && *s != '\n')
			*o++ = *s;
	return out;
}

static void test_email(void)
{
	struct notice n = firing();
	struct message m;
	struct mail mail;
	char *subject;

	ok(notice_message(CHANNEL_EMAIL, &n, "telltale@example.com", "ops@example.com", &m) == 0,
	   "email: built");
	read_mail(&mail, m.body);
	ok(mail.headers && crlf_only(m.body), "email: every line ends CRLF");
	ok(strncmp(m.body, "From: telltale@example.com\r\nTo: ops@example.com\r\n", 49) == 0,
	   "email: From, To");
	ok(strstr(mail.headers, "\r\nDate: Tue, 25 Nov 2025 10:00:00 +0000\r\n") != NULL, "email: Date, RFC 5322");
	ok(strstr(mail.headers, "\r\nMessage-ID: <") && strstr(mail.headers, "@telltale>\r\n"), "email: Message-ID");
	ok(strstr(mail.headers, "\r\nMIME-Version: 1.0\r\n") != NULL, "email: MIME-Version");
	ok(strstr(mail.headers, "\r\nContent-Type: multipart/alternative; boundary=\"") != NULL,
	   "email: multipart/alternative");
	subject = subject_header(mail.headers);
	is_str(subject, m.subject, "email: an ASCII Subject as it is");
	free(subject);
	is_int(mail.parts, 2, "email: two parts");
	is_int(mail.bad_lines, 0, "email: base64 lines of at most 76");
	ok(mail.text && strstr(mail.text, "\r\nValue: 12.0 %\r\n") && strstr(mail.text, "\r\nRule: High errors\r\n"),
	   "email: the text part has the lines, CRLF");
	ok(mail.html && strstr(mail.html, "<table") && strstr(mail.html, "<td>12.0 %</td>"),
	   "email: the HTML part has the table");
	ok(mail.html && strstr(mail.html, "<a href=\"" LINK "\">"), "email: and the link");
	ok(mail.boundary && !strstr(mail.text, mail.boundary) && !strstr(mail.html, mail.boundary),
	   "email: the boundary is in neither part");
	ok(strstr(m.body, "\r\n--") && ends_with(m.body, "--\r\n"), "email: the closing delimiter");
	is_str(m.content_type, "message/rfc822", "email: a whole message");
	ok(m.headers[0] == NULL, "email: no headers beside");
	mail_release(&mail);
	message_release(&m);
}

static void test_email_encoded(void)
{
	char *name = greek(200);
	struct notice n = hostile();
	struct message m;
	struct mail mail;
	char *subject, *decoded;
	size_t longest;

	n.rule_name = name;
	notice_message(CHANNEL_EMAIL, &n, "a@example.com", "b@example.com", &m);
	read_mail(&mail, m.body);
	subject = subject_header(mail.headers);
	ok(subject && strncmp(subject, "=?UTF-8?B?", 10) == 0, "email: a Greek Subject is encoded");
	decoded = unwords(subject, &longest);
	is_str(decoded, m.subject, "email: its words decode to the subject");
	ok(longest <= 75, "email: each word within 75");
	for (const char *line = mail.headers; *line;) {
		const char *eol = strstr(line, "\r\n");

		if (!eol || eol - line > 76) {
			ok(0, "email: a header line within 76");
			break;
		}
		line = eol + 2;
	}
	ok(!strstr(mail.headers, "\r\nX-Injected") && !strstr(mail.headers, "\r\nBcc"),
	   "email: no header of a text's own");
	free(subject);
	free(decoded);
	ok(mail.html && !strstr(mail.html, "<script>") && strstr(mail.html, "&lt;b&gt;&amp;amp;&lt;/b&gt;") &&
	   strstr(mail.html, "<td>svc X-Injected: 1</td>"), "email: HTML escaped");
	mail_release(&mail);
	message_release(&m);

	n = hostile();
	notice_message(CHANNEL_EMAIL, &n, "a@example.com", "b@example.com", &m);
	read_mail(&mail, m.body);
	subject = subject_header(mail.headers);
	ok(subject && strncmp(subject, "=?UTF-8?B?", 10) != 0 && !has_line_break(subject),
	   "email: an ASCII hostile Subject stays plain, on its line");
	ok(mail.html && !strstr(mail.html, "<script>") && !strstr(mail.html, "\"q\"") &&
	   strstr(mail.html, "&lt;script&gt;") && strstr(mail.html, "&quot;q&quot; &#39;x&#39;"),
	   "email: markup and quotes escaped");
	free(subject);
	mail_release(&mail);
	message_release(&m);

	n.state = "test";
	notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
	message_release(&m);
	n.rule_name = "Fehlerquote über 5 %";
	notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m);
	ok(strncmp(header(&m, "Title"), "=?UTF-8?B?", 10) == 0, "ntfy: a non-ASCII Title is RFC 2047");
	decoded = unwords(header(&m, "Title"), &longest);
	is_str(decoded, m.subject, "ntfy: it decodes to the subject");
	ok(longest <= 75 && !has_line_break(header(&m, "Title")), "ntfy: words within 75, one line");
	free(decoded);
	message_release(&m);
	free(name);
}

static void test_email_refusals(void)
{
	struct notice n = firing();
	struct message m;

	is_int(notice_message(CHANNEL_EMAIL, &n, "a@example.com\r\nBcc: x@y.z", "b@example.com", &m), -1,
	       "email: a From with CR LF is refused");
	ok(m.body == NULL, "email: and nothing is left");
	is_int(notice_message(CHANNEL_EMAIL, &n, "a@example.com", "b@example.com\n", &m), -1,
	       "email: a To with LF is refused");
	is_int(notice_message(CHANNEL_EMAIL, &n, NULL, "b@example.com", &m), -1, "email: no From");
	n.state = "test";
	n.event_id = NULL;
	n.at_usec = 0;
	ok(notice_message(CHANNEL_EMAIL, &n, "a@example.com", "b@example.com", &m) == 0 &&
	   strstr(m.body, "\r\nDate: ") && !strstr(m.body, "Date: Tue, 25 Nov 2025"), "email: a test is dated now");
	ok(strncmp(m.subject, "[TEST] High errors: test notice", 31) == 0, "email: a test says so");
	message_release(&m);
	n.owner_field = "channel_id";
	n.owner_name = "on-call";
	ok(notice_message(CHANNEL_NTFY, &n, NULL, NULL, &m) == 0 && strstr(m.body, "\nChannel: on-call\n") &&
	   !strstr(m.body, "Service:"), "a test names the channel it is sent to as a channel");
	message_release(&m);
}

/* --- addresses ------------------------------------------------------------ */

/* s as a test's name on one TAP line: a control character shown as "^". */
static const char *tap_name(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		out[n++] = (unsigned char)*s < 0x20 ? '^' : *s;
	out[n] = '\0';
	return out;
}

static void test_addresses(void)
{
	static const char *const good[] = {
		"a@b.co", "ops@example.com", "first.last@example.com", "o'brien@example.ie",
		"user+tag@sub.example.org", "x_y-z@my-host.example", "1234@example.com",
		"a!#$%&*/=?^`{|}~@example.com", "ops@[192.0.2.1]", "ops@[IPv6:2001:db8::1]",
		"UPPER@EXAMPLE.COM", "a@xn--bcher-kva.example",
	};
	static const char *const bad[] = {
		"", "plain", "@example.com", "ops@", "a@@example.com", "a@b@example.com",
		"a b@example.com", "ops@exa mple.com", " ops@example.com", "ops@example.com\r\n",
		"ops\n@example.com", "<ops@example.com>", "a,b@c.d", "\"q\"@example.com",
		"ops@localhost", ".ops@example.com", "ops.@example.com", "o..ps@example.com",
		"ops@.example.com", "ops@example.com.", "ops@example..com", "ops@-example.com",
		"ops@example-.com", "ops@example.-com", "ops@1.2.3.4", "ops@[300.1.1.1]",
		"ops@[IPv6:zz::1]", "Ops <ops@example.com>", "ops@exa_mple.com", "ops@ex\xC3\xA4mple.com",
		"op\xC3\xA4@example.com", "ops@example.com\t",
	};
	char long_local[128], long_domain[300], long_label[128], total[300], name[80];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(email_address_valid(good[i], strlen(good[i])), tap_name(good[i], name, sizeof(name)));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!email_address_valid(bad[i], strlen(bad[i])), tap_name(bad[i], name, sizeof(name)));
	ok(!email_address_valid("a\0b@example.com", 15), "a NUL inside");
	ok(email_address_valid("ops@example.com and more", 15), "only s[0..n) is read");

	memset(long_local, 'l', 64);
	strcpy(long_local + 64, "@example.com");
	ok(email_address_valid(long_local, strlen(long_local)), "a local part of 64");
	memset(long_local, 'l', 65);
	strcpy(long_local + 65, "@example.com");
	ok(!email_address_valid(long_local, strlen(long_local)), "a local part of 65");

	memset(long_label, 'd', 63);
	strcpy(long_label + 63, ".com");
	snprintf(long_domain, sizeof(long_domain), "a@%s", long_label);
	ok(email_address_valid(long_domain, strlen(long_domain)), "a label of 63");
	memset(long_label, 'd', 64);
	strcpy(long_label + 64, ".com");
	snprintf(long_domain, sizeof(long_domain), "a@%s", long_label);
	ok(!email_address_valid(long_domain, strlen(long_domain)), "a label of 64");

	/* 254 in all, then 255: labels of 50 and dots. */
	strcpy(total, "a@");
	for (int i = 0; i < 4; i++)
		strcat(total, "dddddddddddddddddddddddddddddddddddddddddddddddddd.");
	strcat(total, "ddddddddddddddddddddddddddddddddddddddddddddddd");
	is_int(strlen(total), 253, "a 253-byte address built");
	strcat(total, "d");
	ok(email_address_valid(total, strlen(total)), "254 bytes");
	strcat(total, "d");
	ok(!email_address_valid(total, strlen(total)), "255 bytes");
}

int main(void)
{
	test_kind_names();
	test_webhook();
	test_slack();
	test_discord();
	test_teams();
	test_ntfy_states();
	test_numbers();
	test_limits();
	test_hostile();
	test_email();
	test_email_encoded();
	test_email_refusals();
	test_addresses();
	return tap_done();
}
