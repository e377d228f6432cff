/* Unit tests for alert_rule: every field x operator pair against logs below,
 * at and above the rule's value (and without the field), the coercions and
 * refusals of creation, cooldown_seconds, and the evaluation of a service's
 * rule list. */
#include <stdio.h>
#include <string.h>

#include "alert_rule.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The logs a numeric rule is tried on: below, at, above its value, and one
 * without the field. */
enum probe { BELOW, AT, ABOVE, ABSENT, PROBE__MAX };
static const char *const probe_names[PROBE__MAX] = { "below", "at", "above", "absent" };

/* What each operator answers for each probe (an absent field matches nothing). */
static const int op_expect[ALERT_OP__MAX][PROBE__MAX] = {
	[ALERT_OP_GE] = { 0, 1, 1, 0 },
	[ALERT_OP_LE] = { 1, 1, 0, 0 },
	[ALERT_OP_EQ] = { 0, 1, 0, 0 },
	[ALERT_OP_NE] = { 1, 0, 1, 0 },
	[ALERT_OP_GT] = { 0, 0, 1, 0 },
	[ALERT_OP_LT] = { 1, 0, 0, 0 },
};

static struct alert_log status_log(enum probe p)
{
	static const int codes[PROBE__MAX] = { 499, 500, 501, 0 };
	struct alert_log log = { .has_status_code = p != ABSENT, .status_code = codes[p],
				 .is_error = codes[p] >= 500 };
	return log;
}

static struct alert_log latency_log(enum probe p)
{
	static const double ms[PROBE__MAX] = { 250.4, 250.5, 250.6, 0 };
	struct alert_log log = { .has_status_code = 1, .status_code = 200,
				 .has_latency = p != ABSENT, .latency_ms = ms[p] };
	return log;
}

/* Each numeric field with each operator on each probe. */
static void test_numeric_pairs(void)
{
	for (int op = 0; op < ALERT_OP__MAX; op++) {
		for (int p = 0; p < PROBE__MAX; p++) {
			struct alert_rule rule;
			struct alert_rule_error err;
			struct alert_log log;
			char name[128];

			alert_rule_parse("status_code", alert_op_names[op], "500", &rule, &err);
			log = status_log((enum probe)p);
			snprintf(name, sizeof(name), "status_code %s 500, log %s: %s", alert_op_names[op],
				 probe_names[p], op_expect[op][p] ? "fires" : "does not fire");
			is_int(alert_rule_matches(&rule, &log), op_expect[op][p], name);

			alert_rule_parse("latency_ms", alert_op_names[op], "250.5", &rule, &err);
			log = latency_log((enum probe)p);
			snprintf(name, sizeof(name), "latency_ms %s 250.5, log %s: %s", alert_op_names[op],
				 probe_names[p], op_expect[op][p] ? "fires" : "does not fire");
			is_int(alert_rule_matches(&rule, &log), op_expect[op][p], name);
		}
	}
}

/* error == / != true / false on an error log and on a clean one. */
static void test_error_pairs(void)
{
	static const struct {
		const char *op, *value;
		int on_error, on_clean;
	} cases[] = {
		{ "==", "true", 1, 0 },
		{ "==", "false", 0, 1 },
		{ "!=", "true", 0, 1 },
		{ "!=", "false", 1, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule rule;
		struct alert_rule_error err;
		struct alert_log error_log = { .has_status_code = 1, .status_code = 503, .is_error = 1 };
		struct alert_log clean_log = { .has_status_code = 1, .status_code = 200, .is_error = 0 };
		struct alert_log no_status = { .is_error = 1 };   /* error set, no status code */
		char name[128];

		ok(alert_rule_parse("error", cases[i].op, cases[i].value, &rule, &err) == 0,
		   "error rule accepted");
		snprintf(name, sizeof(name), "error %s %s on an error log: %s", cases[i].op,
			 cases[i].value, cases[i].on_error ? "fires" : "does not fire");
		is_int(alert_rule_matches(&rule, &error_log), cases[i].on_error, name);
		snprintf(name, sizeof(name), "error %s %s on a clean log: %s", cases[i].op,
			 cases[i].value, cases[i].on_clean ? "fires" : "does not fire");
		is_int(alert_rule_matches(&rule, &clean_log), cases[i].on_clean, name);
		snprintf(name, sizeof(name), "error %s %s on an error log without status code",
			 cases[i].op, cases[i].value);
		is_int(alert_rule_matches(&rule, &no_status), cases[i].on_error, name);
	}
	/* The ordering operators have no meaning on true/false. */
	for (int op = 0; op < ALERT_OP__MAX; op++) {
		struct alert_rule rule;
		struct alert_rule_error err = { "", "" };
		int want_ok = op == ALERT_OP_EQ || op == ALERT_OP_NE;
		char name[128];

		snprintf(name, sizeof(name), "error %s true %s", alert_op_names[op],
			 want_ok ? "accepted" : "refused, naming condition_operator");
		ok((alert_rule_parse("error", alert_op_names[op], "true", &rule, &err) == 0) == want_ok &&
		   (want_ok || strcmp(err.field, "condition_operator") == 0), name);
	}
}

/* Values accepted, with their canonical text. */
static void test_coercions(void)
{
	static const struct { const char *field, *value, *text; double number; } cases[] = {
		{ "status_code", "100", "100", 100 },
		{ "status_code", "599", "599", 599 },
		{ "latency_ms", "0", "0", 0 },
		{ "latency_ms", "250", "250", 250 },
		{ "latency_ms", "99.5", "99.5", 99.5 },
		{ "latency_ms", "1000000000000", "1000000000000", 1e12 },
		{ "error", "true", "true", 1 },
		{ "error", "false", "false", 0 },
		{ "error", "TRUE", "true", 1 },
		{ "error", "False", "false", 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule rule;
		struct alert_rule_error err;
		char name[128];
		int rc = alert_rule_parse(cases[i].field, "==", cases[i].value, &rule, &err);

		snprintf(name, sizeof(name), "%s \"%s\" is coerced to %s", cases[i].field,
			 cases[i].value, cases[i].text);
		ok(rc == 0 && strcmp(rule.value_text, cases[i].text) == 0 &&
		   rule.value == cases[i].number, name);
	}
}

/* Conditions refused, each naming the member at fault. */
static void test_refusals(void)
{
	static const struct { const char *field, *op, *value, *blame; } cases[] = {
		{ "status_code", ">=", "99", "condition_value" },
		{ "status_code", ">=", "600", "condition_value" },
		{ "status_code", ">=", "0500", "condition_value" },
		{ "status_code", ">=", "500.0", "condition_value" },
		{ "status_code", ">=", "+500", "condition_value" },
		{ "status_code", ">=", "-500", "condition_value" },
		{ "status_code", ">=", " 500", "condition_value" },
		{ "status_code", ">=", "500 ", "condition_value" },
		{ "status_code", ">=", "5e2", "condition_value" },
		{ "status_code", ">=", "5OO", "condition_value" },
		{ "status_code", ">=", "", "condition_value" },
		{ "status_code", ">=", "true", "condition_value" },
		{ "latency_ms", ">", "-1", "condition_value" },
		{ "latency_ms", ">", "1e3", "condition_value" },
		{ "latency_ms", ">", ".5", "condition_value" },
		{ "latency_ms", ">", "5.", "condition_value" },
		{ "latency_ms", ">", "NaN", "condition_value" },
		{ "latency_ms", ">", "inf", "condition_value" },
		{ "latency_ms", ">", "0x10", "condition_value" },
		{ "latency_ms", ">", "1000000000000.5", "condition_value" },
		{ "latency_ms", ">", "", "condition_value" },
		{ "latency_ms", ">", "1.00000000000000000000000000000000000000000000000000000000000000001",
		  "condition_value" },
		{ "error", "==", "yes", "condition_value" },
		{ "error", "==", "1", "condition_value" },
		{ "error", "==", "", "condition_value" },
		{ "error", "==", " true", "condition_value" },
		{ "status", ">=", "500", "condition_field" },
		{ "Status_Code", ">=", "500", "condition_field" },
		{ "", ">=", "500", "condition_field" },
		{ "method", "==", "GET", "condition_field" },
		{ "status_code", "=", "500", "condition_operator" },
		{ "status_code", "=>", "500", "condition_operator" },
		{ "status_code", "<>", "500", "condition_operator" },
		{ "status_code", "eq", "500", "condition_operator" },
		{ "status_code", "", "500", "condition_operator" },
		{ "status_code", ">= ", "500", "condition_operator" },
		{ "error", ">", "true", "condition_operator" },
		{ "error", "<", "banana", "condition_operator" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct alert_rule rule;
		struct alert_rule_error err = { "", "" };
		char name[160];
		int rc = alert_rule_parse(cases[i].field, cases[i].op, cases[i].value, &rule, &err);

		snprintf(name, sizeof(name), "'%s' '%s' '%s' refused, naming %s", cases[i].field,
			 cases[i].op, cases[i].value, cases[i].blame);
		ok(rc == -1 && strcmp(err.field, cases[i].blame) == 0 && err.message[0], name);
	}
}

/* The members of a request body. */
static void test_from_json(void)
{
	static const struct { const char *body; int ok; const char *blame; } cases[] = {
		{ "{\"condition_field\":\"status_code\",\"condition_operator\":\">=\",\"condition_value\":\"500\"}", 1, "" },
		{ "{\"condition_operator\":\">=\",\"condition_value\":\"500\"}", 0, "condition_field" },
		{ "{\"condition_field\":null,\"condition_operator\":\">=\",\"condition_value\":\"500\"}", 0, "condition_field" },
		{ "{\"condition_field\":1,\"condition_operator\":\">=\",\"condition_value\":\"500\"}", 0, "condition_field" },
		{ "{\"condition_field\":\"status_code\",\"condition_value\":\"500\"}", 0, "condition_operator" },
		{ "{\"condition_field\":\"status_code\",\"condition_operator\":[\">=\"],\"condition_value\":\"500\"}", 0, "condition_operator" },
		{ "{\"condition_field\":\"status_code\",\"condition_operator\":\">=\"}", 0, "condition_value" },
		{ "{\"condition_field\":\"status_code\",\"condition_operator\":\">=\",\"condition_value\":500}", 0, "condition_value" },
		{ "{\"condition_field\":\"error\",\"condition_operator\":\"==\",\"condition_value\":true}", 0, "condition_value" },
		{ "{\"condition_field\":\"error\",\"condition_operator\":\"==\",\"condition_value\":null}", 0, "condition_value" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].body);
		struct alert_rule rule;
		struct alert_rule_error err = { "", "" };
		int rc = alert_rule_from_json(doc, &rule, &err);
		char name[200];

		snprintf(name, sizeof(name), "body %s %s%s", cases[i].body,
			 cases[i].ok ? "accepted" : "refused, naming ", cases[i].blame);
		ok(cases[i].ok ? rc == 0 : rc == -1 && strcmp(err.field, cases[i].blame) == 0, name);
		json_object_put(doc);
	}
}

static void test_cooldown(void)
{
	static const struct { const char *body; int ok; long long want; } cases[] = {
		{ "{}", 1, 0 },
		{ "{\"cooldown_seconds\":null}", 1, 0 },
		{ "{\"cooldown_seconds\":0}", 1, 0 },
		{ "{\"cooldown_seconds\":60}", 1, 60 },
		{ "{\"cooldown_seconds\":2147483647}", 1, 2147483647 },
		{ "{\"cooldown_seconds\":2147483648}", 0, 0 },
		{ "{\"cooldown_seconds\":99999999999999999999}", 0, 0 },
		{ "{\"cooldown_seconds\":-1}", 0, 0 },
		{ "{\"cooldown_seconds\":-99999999999999999999}", 0, 0 },
		{ "{\"cooldown_seconds\":60.0}", 0, 0 },
		{ "{\"cooldown_seconds\":1.5}", 0, 0 },
		{ "{\"cooldown_seconds\":1e3}", 0, 0 },
		{ "{\"cooldown_seconds\":\"60\"}", 0, 0 },
		{ "{\"cooldown_seconds\":true}", 0, 0 },
		{ "{\"cooldown_seconds\":[60]}", 0, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct json_object *doc = json_tokener_parse(cases[i].body);
		struct alert_rule_error err = { "", "" };
		int64_t got = -1;
		int rc = alert_rule_cooldown_from_json(doc, &got, &err);
		char name[160];

		snprintf(name, sizeof(name), "%s %s", cases[i].body, cases[i].ok ? "accepted" : "refused");
		ok(cases[i].ok ? rc == 0 && got == cases[i].want
			       : rc == -1 && strcmp(err.field, "cooldown_seconds") == 0, name);
		json_object_put(doc);
	}
}

/* The observed values, as JSON text. */
static void test_observed(void)
{
	struct alert_log log = { .has_status_code = 1, .status_code = 503, .has_latency = 1,
				 .latency_ms = 12.5, .is_error = 1 };
	struct alert_log bare = { 0 };
	struct alert_rule rule;
	struct alert_rule_error err;
	struct json_object *v;

	alert_rule_parse("status_code", ">=", "500", &rule, &err);
	v = alert_rule_observed(&rule, &log);
	is_str(json_object_to_json_string(v), "503", "observed status_code is a JSON integer");
	json_object_put(v);
	ok(alert_rule_observed(&rule, &bare) == NULL, "no status code observed when the log has none");
	alert_rule_parse("latency_ms", ">", "10", &rule, &err);
	v = alert_rule_observed(&rule, &log);
	is_str(json_object_to_json_string(v), "12.5", "observed latency_ms is the number as stored");
	json_object_put(v);
	log.latency_ms = 0.1;
	v = alert_rule_observed(&rule, &log);
	is_str(json_object_to_json_string(v), "0.1", "in its shortest exact spelling");
	json_object_put(v);
	alert_rule_parse("error", "==", "true", &rule, &err);
	v = alert_rule_observed(&rule, &log);
	is_str(json_object_to_json_string(v), "true", "observed error is a JSON boolean");
	json_object_put(v);
	v = alert_rule_observed(&rule, &bare);
	is_str(json_object_to_json_string(v), "false", "false for a clean log");
	json_object_put(v);
}

/* A service's rule list, as the ingest statement returns it. */
static void test_evaluate(void)
{
	struct json_object *rules = json_tokener_parse(
		"[{\"id\":\"a1\",\"field\":\"status_code\",\"operator\":\">=\",\"value\":\"500\"},"
		" {\"id\":\"a2\",\"field\":\"latency_ms\",\"operator\":\">\",\"value\":\"1000\"},"
		" {\"id\":\"a3\",\"field\":\"error\",\"operator\":\"==\",\"value\":\"true\"},"
		" {\"id\":\"bad\",\"field\":\"error\",\"operator\":\">\",\"value\":\"true\"},"
		" {\"id\":\"bad2\",\"field\":\"status_code\"},"
		" 42]");
	struct json_object *obj = json_tokener_parse("{}");
	struct alert_log log = { .has_status_code = 1, .status_code = 502, .has_latency = 1,
				 .latency_ms = 40, .is_error = 1 };
	size_t skipped = 0;
	struct json_object *fired = alert_rules_evaluate(rules, &log, &skipped);

	is_str(json_object_to_json_string_ext(fired, JSON_C_TO_STRING_PLAIN),
	       "[{\"alert_id\":\"a1\",\"field\":\"status_code\",\"observed_value\":502},"
	       "{\"alert_id\":\"a3\",\"field\":\"error\",\"observed_value\":true}]",
	       "the matching rules fire, in order, with their observed values");
	is_int(skipped, 3, "rules that do not read as conditions are skipped and counted");
	json_object_put(fired);
	log = (struct alert_log){ .has_status_code = 1, .status_code = 200 };
	fired = alert_rules_evaluate(rules, &log, &skipped);
	is_int(json_object_array_length(fired), 0, "a clean fast log fires nothing");
	json_object_put(fired);
	ok(alert_rules_evaluate(obj, &log, &skipped) == NULL, "a list that is not an array is refused");
	json_object_put(obj);
	json_object_put(rules);
}

int main(void)
{
	test_numeric_pairs();
	test_error_pairs();
	test_coercions();
	test_refusals();
	test_from_json();
	test_cooldown();
	test_observed();
	test_evaluate();
	return tap_done();
}
