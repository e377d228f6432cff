/* Unit tests for window_rule: what a window or issue rule's body may hold,
 * the member each refusal names, and the channel ids every rule may name.
 * How a stored rule evaluates is tested in t/1600-alert-windows.t, against
 * the SQL that evaluates it (sql/024). */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pure/window_rule.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID1 "0b7c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"
#define UUID2 "1c8d2e3f-4051-4b6c-9d7e-8f90a1b2c3d4"

/* The document parsed last: a rule's route is lent from it, so it lives
 * until the next parse. */
static struct json_object *last_doc;

/* Parses the body (JSON text) for owner; returns the outcome, filling out and err. */
static int parse(const char *body, enum window_owner owner, int preview, struct window_rule *out,
		 struct error *err)
{
	json_object_put(last_doc);
	last_doc = json_tokener_parse(body);
	return window_rule_from_json(last_doc, owner, preview, out, err);
}

/* Bodies refused, with the member named. */
static void test_refusals(void)
{
	static const struct { enum window_owner owner; const char *body, *field; } cases[] = {
		{ WINDOW_SERVICE, "{}", "metric" },
		{ WINDOW_SERVICE, "{\"metric\":\"event_count\"}", "metric" },
		{ WINDOW_SERVICE, "{\"metric\":7}", "metric" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\"}", "operator" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\"=<\"}", "operator" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\"}", "threshold" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":\"1\"}", "threshold" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":true}", "threshold" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1e13}", "threshold" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1}", "window_seconds" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":59}",
		  "window_seconds" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":86401}",
		  "window_seconds" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":\"60\"}",
		  "window_seconds" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"route\":\"orders\"}", "route" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"route\":\"/a\\u0000b\"}", "route" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"method\":\"GE T\"}", "method" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"method\":\"\"}", "method" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"min_requests\":-1}", "min_requests" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"level\":\"ERROR\"}", "level" },
		{ WINDOW_SERVICE, "{\"metric\":\"error_rate\",\"operator\":\">\",\"threshold\":1,\"window_seconds\":60,"
		  "\"channel_ids\":[\"" UUID1 "\",\"" UUID1 "\"]}", "channel_ids[1]" },
		{ WINDOW_APPLICATION, "{\"metric\":\"error_rate\"}", "metric" },
		{ WINDOW_APPLICATION, "{\"metric\":\"event_count\",\"threshold\":1,\"window_seconds\":60,\"route\":\"/\"}",
		  "route" },
		{ WINDOW_APPLICATION, "{\"metric\":\"event_count\",\"threshold\":1}", "window_seconds" },
		{ WINDOW_APPLICATION, "{\"metric\":\"new_issue\",\"threshold\":1}", "threshold" },
		{ WINDOW_APPLICATION, "{\"metric\":\"regression\",\"window_seconds\":60}", "window_seconds" },
		{ WINDOW_APPLICATION, "{\"metric\":\"new_issue\",\"operator\":\">\"}", "operator" },
		{ WINDOW_APPLICATION, "{\"metric\":\"new_issue\",\"level\":\"FATAL\"}", "level" },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct window_rule rule;
		struct error err = { 0 };
		char name[512];

		snprintf(name, sizeof(name), "%s refused, naming %s", cases[i].body, cases[i].field);
		ok(parse(cases[i].body, cases[i].owner, 0, &rule, &err) == -1 && err.status == 422 &&
		   strcmp(err.field, cases[i].field) == 0, name);
	}
}

static void test_service_rule(void)
{
	struct window_rule r;
	struct error err = { 0 };

	ok(parse("{\"metric\":\"p95_latency_ms\",\"operator\":\"<=\",\"threshold\":812.5,\"window_seconds\":600,"
		 "\"route\":\"/v1/orders/{id}\",\"method\":\"post\",\"min_requests\":20,"
		 "\"channel_ids\":[\"" UUID1 "\",\"" UUID2 "\"]}", WINDOW_SERVICE, 0, &r, &err) == 0,
	   "a service's window rule with every member");
	ok(strcmp(r.kind, "window") == 0 && strcmp(r.metric, "p95_latency_ms") == 0 &&
	   strcmp(r.operator, "<=") == 0 && r.threshold == 812.5 && r.window_seconds == 600,
	   "  metric, operator, threshold and window as sent");
	ok(strcmp(r.route, "/v1/orders/{id}") == 0 && strcmp(r.method, "POST") == 0 && r.min_requests == 20,
	   "  route, the method in upper case, min_requests");
	ok(r.channels.n == 2 && strcmp(r.channels.id[1], UUID2) == 0, "  two channels");
	ok(parse("{\"metric\":\"request_count\",\"operator\":\"<\",\"threshold\":1,\"window_seconds\":60}",
		 WINDOW_SERVICE, 0, &r, &err) == 0 && !r.route && !*r.method && r.min_requests == 0 &&
	   r.channels.n == 0, "without the optional members: any route and method, min_requests 0, no channels");
}

static void test_application_rules(void)
{
	struct window_rule r;
	struct error err = { 0 };

	ok(parse("{\"metric\":\"event_count\",\"threshold\":3,\"window_seconds\":60,\"level\":\"ERROR\"}",
		 WINDOW_APPLICATION, 0, &r, &err) == 0 && strcmp(r.kind, "window") == 0 &&
	   strcmp(r.operator, ">=") == 0 && strcmp(r.level, "ERROR") == 0,
	   "event_count: a window rule, >= unless given, of one level");
	ok(parse("{\"metric\":\"regression\"}", WINDOW_APPLICATION, 0, &r, &err) == 0 &&
	   strcmp(r.kind, "issue") == 0 && !r.operator && r.window_seconds == 0 && !r.level,
	   "regression: an issue rule, without a window");
	ok(parse("{\"metric\":\"new_issue\"}", WINDOW_APPLICATION, 1, &r, &err) == -1 &&
	   strcmp(err.field, "metric") == 0, "an issue rule has no preview");
}

static void test_preview(void)
{
	struct window_rule r;
	struct error err = { 0 };

	ok(parse("{\"metric\":\"error_rate\",\"window_seconds\":300,\"channel_ids\":\"ignored\"}",
		 WINDOW_SERVICE, 1, &r, &err) == 0 && r.window_seconds == 300,
	   "a preview needs no operator or threshold, and does not read channel_ids");
	ok(parse("{\"metric\":\"error_rate\",\"window_seconds\":30}", WINDOW_SERVICE, 1, &r, &err) == -1 &&
	   strcmp(err.field, "window_seconds") == 0, "  but its window is checked");
}

static void test_channel_ids(void)
{
	char many[2048] = "{\"channel_ids\":[", text[WINDOW_CHANNELS_TEXT_MAX];
	struct channel_ids ids;
	struct json_object *doc;
	struct error err = { 0 };

	for (int i = 0; i < WINDOW_CHANNELS_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"%08d-0000-4000-8000-000000000000\"",
			 i ? "," : "", i);
	strcat(many, "]}");
	doc = json_tokener_parse(many);
	ok(window_channel_ids_from_json(doc, &ids, &err) == -1 && strcmp(err.field, "channel_ids") == 0,
	   "21 channels: refused, naming channel_ids");
	json_object_put(doc);
	doc = json_tokener_parse("{\"channel_ids\":[\"" UUID1 "\",\"not-a-uuid\"]}");
	ok(window_channel_ids_from_json(doc, &ids, &err) == -1 && strcmp(err.field, "channel_ids[1]") == 0,
	   "a malformed id: refused, naming its place");
	json_object_put(doc);
	doc = json_tokener_parse("{\"channel_ids\":[\"" UUID1 "\",\"" UUID2 "\"]}");
	ok(window_channel_ids_from_json(doc, &ids, &err) == 0, "two ids");
	window_channel_ids_text(&ids, text);
	ok(strcmp(text, "{" UUID1 "," UUID2 "}") == 0, "  as a PostgreSQL array");
	json_object_put(doc);
	ids.n = 0;
	window_channel_ids_text(&ids, text);
	ok(strcmp(text, "{}") == 0, "none: {}");
}

int main(void)
{
	test_refusals();
	test_service_rule();
	test_application_rules();
	test_preview();
	test_channel_ids();
	json_object_put(last_doc);
	return tap_done();
}
