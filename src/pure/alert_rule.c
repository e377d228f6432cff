/* alert_rule: threshold rules, coerced at creation (evaluated on ingest by sql/010). */
#include "pure/alert_rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pure/log_input.h"
#include "pure/fields.h"
#include "pure/params.h"

const char *const alert_field_names[ALERT_FIELD__MAX] = { "status_code", "latency_ms", "error" };
const char *const alert_op_names[ALERT_OP__MAX] = { ">=", "<=", "==", "!=", ">", "<" };

/* Fills *err and returns -1, so that a refusal is one line. */
static int refuse(struct error *err, const char *field, const char *message)
{
	return error_invalid(err, field, message);
}

/* The index of s in names[0..n), or n. Names are matched exactly: the API
 * spells them one way and echoes them back. */
static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			break;
	return i;
}

/* A status code: 3 digits, 100..599. */
static int coerce_status_code(const char *s, struct alert_rule *out)
{
	if (strlen(s) != 3 || strspn(s, "0123456789") != 3)
		return -1;
	out->value = atoi(s);
	if (!field_status_ok((int64_t)out->value))
		return -1;
	snprintf(out->value_text, sizeof(out->value_text), "%d", (int)out->value);
	return 0;
}

/* Milliseconds: digits with an optional fraction, at most LOG_LATENCY_MAX.
 * The text is kept as given: it is already in a form that reads back to the
 * same double, with no exponent to trip a later reader. */
static int coerce_latency(const char *s, struct alert_rule *out)
{
	if (params_parse_number(s, &out->value) != 0 || out->value > LOG_LATENCY_MAX)
		return -1;
	snprintf(out->value_text, sizeof(out->value_text), "%s", s);
	return 0;
}

static int coerce_error(const char *s, struct alert_rule *out)
{
	if (strcasecmp(s, "true") == 0)
		out->value = 1;
	else if (strcasecmp(s, "false") == 0)
		out->value = 0;
	else
		return -1;
	snprintf(out->value_text, sizeof(out->value_text), "%s", out->value ? "true" : "false");
	return 0;
}

/* Coerces value for out->field (set). Returns 0, or -1 with *err filled. */
static int coerce_value(const char *value, struct alert_rule *out, struct error *err)
{
	static const char *const rules[ALERT_FIELD__MAX] = {
		"must be a status code from 100 to 599, as a string (\"500\")",
		"must be a number of milliseconds from 0 to 1e12, as a string (\"250\", \"99.5\")",
		"must be \"true\" or \"false\"",
	};
	int rc = -1;

	if (strlen(value) <= ALERT_VALUE_MAX) {
		switch (out->field) {
		case ALERT_FIELD_STATUS_CODE: rc = coerce_status_code(value, out); break;
		case ALERT_FIELD_LATENCY_MS: rc = coerce_latency(value, out); break;
		case ALERT_FIELD_ERROR: rc = coerce_error(value, out); break;
		case ALERT_FIELD__MAX: break;
		}
	}
	return rc == 0 ? 0 : refuse(err, "condition_value", rules[out->field]);
}

int alert_rule_parse(const char *field, const char *op, const char *value,
		     struct alert_rule *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->field = (enum alert_field)lookup(field, alert_field_names, ALERT_FIELD__MAX);
	if (out->field == ALERT_FIELD__MAX)
		return refuse(err, "condition_field", "must be one of status_code, latency_ms, error");
	out->op = (enum alert_op)lookup(op, alert_op_names, ALERT_OP__MAX);
	if (out->op == ALERT_OP__MAX)
		return refuse(err, "condition_operator", "must be one of >=, <=, ==, !=, >, <");
	/* A log either is an error or is not: an order on true/false would be
	 * a rule nobody means, so it is refused rather than guessed at. */
	if (out->field == ALERT_FIELD_ERROR && out->op != ALERT_OP_EQ && out->op != ALERT_OP_NE)
		return refuse(err, "condition_operator", "must be == or != when condition_field is error");
	return coerce_value(value, out, err);
}

/* Member name of doc as a string (lent), or NULL when absent or not a string. */
static const char *member_string(struct json_object *doc, const char *name)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(doc, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int alert_rule_from_json(struct json_object *doc, struct alert_rule *out,
			 struct error *err)
{
	const char *field = member_string(doc, "condition_field");
	const char *op = member_string(doc, "condition_operator");
	const char *value = member_string(doc, "condition_value");

	if (!field)
		return refuse(err, "condition_field", "must be one of status_code, latency_ms, error");
	if (!op)
		return refuse(err, "condition_operator", "must be one of >=, <=, ==, !=, >, <");
	if (!value)
		return refuse(err, "condition_value", "must be a string");
	return alert_rule_parse(field, op, value, out, err);
}

int alert_rule_cooldown_from_json(struct json_object *doc, int64_t *out,
				  struct error *err)
{
	struct json_object *v = NULL;

	*out = 0;
	if (!json_object_object_get_ex(doc, "cooldown_seconds", &v) || !v)
		return 0;
	/* json-c reads 60.0 and 1e3 as doubles: both are refused, as is any
	 * integer out of range (json-c clamps a huge one, which is out of range
	 * too). */
	if (!json_object_is_type(v, json_type_int))
		return refuse(err, "cooldown_seconds", "must be an integer from 0 to 2147483647");
	*out = json_object_get_int64(v);
	if (*out < 0 || *out > ALERT_COOLDOWN_MAX)
		return refuse(err, "cooldown_seconds", "must be an integer from 0 to 2147483647");
	return 0;
}
