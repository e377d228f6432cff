/* Unit tests for alert_rule: the coercions and refusals of creation, and
 * cooldown_seconds. How a stored rule evaluates against a log is tested in
 * t/1300-v1-alerts.t, against the SQL that evaluates it (sql/010). */
#include <stdio.h>
#include <string.h>

#include "pure/alert_rule.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* error takes == and != only: the ordering operators have no meaning on
 * true/false. */
static void test_error_operators(void)
{
	for (int op = 0; op < ALERT_OP__MAX; op++) {
		struct alert_rule rule;
		struct error err = { 0 };
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
		struct error err;
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
		struct error err = { 0 };
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
		struct error err = { 0 };
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
		struct error err = { 0 };
		int64_t got = -1;
		int rc = alert_rule_cooldown_from_json(doc, &got, &err);
		char name[160];

		snprintf(name, sizeof(name), "%s %s", cases[i].body, cases[i].ok ? "accepted" : "refused");
		ok(cases[i].ok ? rc == 0 && got == cases[i].want
			       : rc == -1 && strcmp(err.field, "cooldown_seconds") == 0, name);
		json_object_put(doc);
	}
}

int main(void)
{
	test_error_operators();
	test_coercions();
	test_refusals();
	test_from_json();
	test_cooldown();
	return tap_done();
}
