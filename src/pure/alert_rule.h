/* alert_rule: the threshold rules of /v1/alerts. A rule's condition is read
 * and coerced once, when the rule is created, so that evaluating it against a
 * request log can never fail (every ingest runs the trigger of sql/013, which
 * compares the numbers the rule's generated columns make of that form): a
 * condition that would not evaluate is refused then, with a 422 naming the
 * member.
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_ALERT_RULE_H
#define TELLTALE_ALERT_RULE_H

#include <stdint.h>

#include <json-c/json.h>

#include "pure/error.h"

/* What a rule looks at in a log. */
enum alert_field {
	ALERT_FIELD_STATUS_CODE,   /* the status code: an integer 100..599 */
	ALERT_FIELD_LATENCY_MS,    /* the latency: a number >= 0 */
	ALERT_FIELD_ERROR,         /* whether the log is an error: true/false */
	ALERT_FIELD__MAX
};

/* How the log's value is compared with the rule's: log OP rule. */
enum alert_op {
	ALERT_OP_GE, ALERT_OP_LE, ALERT_OP_EQ, ALERT_OP_NE, ALERT_OP_GT, ALERT_OP_LT,
	ALERT_OP__MAX
};

/* The names in requests and responses: "status_code", ...; ">=", ... */
extern const char *const alert_field_names[ALERT_FIELD__MAX];
extern const char *const alert_op_names[ALERT_OP__MAX];

/* A condition_value is at most this many bytes. */
#define ALERT_VALUE_MAX 64
/* cooldown_seconds is 0 to this (the largest PostgreSQL integer; 68 years). */
#define ALERT_COOLDOWN_MAX 2147483647

/* A rule's condition, coerced. */
struct alert_rule {
	enum alert_field field;
	enum alert_op op;
	double value;                           /* status code, milliseconds, or 1/0 */
	char value_text[ALERT_VALUE_MAX + 1];   /* canonical: "500", "250.5", "true" */
};

/* Why a rule was refused: the member (condition_field, condition_operator,
 * condition_value, cooldown_seconds) and what is wrong with it. */
/* Reads a condition from its three texts. condition_value is coerced by the
 * field: status_code an integer 100..599 (digits only), latency_ms a number
 * from 0 to 1e12 (digits with an optional fraction), error "true" or "false"
 * (any case) and only with == or !=. Returns 0 and fills *out, or -1 and
 * fills *err. */
int alert_rule_parse(const char *field, const char *op, const char *value,
		     struct alert_rule *out, struct error *err);

/* The same from the members condition_field, condition_operator and
 * condition_value of a request body; each must be a string. */
int alert_rule_from_json(struct json_object *doc, struct alert_rule *out,
			 struct error *err);

/* The member cooldown_seconds of a request body: an integer from 0 to
 * ALERT_COOLDOWN_MAX; absent or null is 0. Returns 0 and sets *out, or -1
 * and fills *err. */
int alert_rule_cooldown_from_json(struct json_object *doc, int64_t *out,
				  struct error *err);

#endif
