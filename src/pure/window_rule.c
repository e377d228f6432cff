/* window_rule: see window_rule.h. */
#include "pure/window_rule.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const service_metrics[] = {
	"request_count", "error_count", "error_rate", "p50_latency_ms", "p95_latency_ms",
	"p99_latency_ms", NULL
};
static const char *const application_metrics[] = { "event_count", "new_issue", "regression", NULL };
static const char *const operators[] = { ">=", "<=", "==", "!=", ">", "<", NULL };
static const char *const levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", NULL };

/* The entry of names equal to the string v, or NULL. */
static const char *name_in(const char *const *names, struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], json_object_get_string(v)) == 0)
			return names[i];
	return NULL;
}

/* Member name of doc, or NULL when absent or null. */
static struct json_object *member(struct json_object *doc, const char *name)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(doc, name, &v) ? v : NULL;
}

static int metric_from_json(struct json_object *doc, enum window_owner owner, struct window_rule *out,
			    struct error *err)
{
	const char *const *names = owner == WINDOW_SERVICE ? service_metrics : application_metrics;

	out->metric = name_in(names, member(doc, "metric"));
	if (!out->metric)
		return error_invalid(err, "metric", owner == WINDOW_SERVICE
				     ? "must be one of request_count, error_count, error_rate, p50_latency_ms,"
				       " p95_latency_ms, p99_latency_ms"
				     : "must be one of event_count, new_issue, regression");
	out->kind = strcmp(out->metric, "new_issue") == 0 || strcmp(out->metric, "regression") == 0
		    ? "issue" : "window";
	return 0;
}

/* A finite number, not a boolean or a string. */
static int number_of(struct json_object *v, double *out)
{
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return -1;
	*out = json_object_get_double(v);
	return isfinite(*out) ? 0 : -1;
}

int window_threshold_from_json(struct json_object *doc, double *out, struct error *err)
{
	if (number_of(member(doc, "threshold"), out) != 0 || fabs(*out) > WINDOW_THRESHOLD_MAX)
		return error_invalid(err, "threshold", "must be a number between -1e12 and 1e12");
	return 0;
}

/* An integer member in [min, max], def when absent. */
static int integer_from_json(struct json_object *doc, const char *name, int64_t def, int64_t min,
			     int64_t max, int64_t *out, struct error *err)
{
	struct json_object *v = member(doc, name);

	*out = def;
	if (!v && def >= min)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max)
		return error_set(err, 422, ERROR_VALIDATION, name, "must be an integer from %lld to %lld",
				 (long long)min, (long long)max);
	*out = json_object_get_int64(v);
	return 0;
}

/* "route": a path pattern of at most WINDOW_ROUTE_MAX bytes that starts
 * with "/", without control characters. */
static int route_from_json(struct json_object *doc, struct window_rule *out, struct error *err)
{
	struct json_object *v = member(doc, "route");
	const char *s;
	size_t n;

	out->route = NULL;
	if (!v)
		return 0;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!json_object_is_type(v, json_type_string) || n == 0 || n > WINDOW_ROUTE_MAX || s[0] != '/')
		return error_invalid(err, "route", "must be a route that starts with /, of at most 512 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return error_invalid(err, "route", "must not hold control characters");
	out->route = s;
	return 0;
}

/* "method": 1 to 16 ASCII letters, kept in upper case. */
static int method_from_json(struct json_object *doc, struct window_rule *out, struct error *err)
{
	struct json_object *v = member(doc, "method");
	const char *s;
	size_t n;

	out->method[0] = '\0';
	if (!v)
		return 0;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!json_object_is_type(v, json_type_string) || n == 0 || n >= sizeof(out->method))
		return error_invalid(err, "method", "must be an HTTP method of 1 to 16 letters");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return error_invalid(err, "method", "must be an HTTP method of 1 to 16 letters");
		out->method[i] = (char)(c >= 'a' ? c - 'a' + 'A' : c);
	}
	out->method[n] = '\0';
	return 0;
}

int window_channel_ids_from_json(struct json_object *doc, struct channel_ids *out, struct error *err)
{
	struct json_object *v = member(doc, "channel_ids");
	char field[48];

	out->n = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > WINDOW_CHANNELS_MAX)
		return error_invalid(err, "channel_ids", "must be an array of at most 20 channel ids");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);

		snprintf(field, sizeof(field), "channel_ids[%zu]", i);
		if (!json_object_is_type(e, json_type_string) ||
		    params_parse_uuid(json_object_get_string(e), (size_t)json_object_get_string_len(e),
				      out->id[out->n]) != 0)
			return error_invalid(err, field, "must be a channel id (a UUID)");
		for (size_t j = 0; j < out->n; j++)
			if (strcmp(out->id[j], out->id[out->n]) == 0)
				return error_invalid(err, field, "names a channel already in the list");
		out->n++;
	}
	return 0;
}

void window_channel_ids_text(const struct channel_ids *ids, char out[WINDOW_CHANNELS_TEXT_MAX])
{
	size_t at = 0;

	out[at++] = '{';
	for (size_t i = 0; i < ids->n; i++) {
		if (i)
			out[at++] = ',';
		memcpy(out + at, ids->id[i], PARAMS_UUID_LEN);
		at += PARAMS_UUID_LEN;
	}
	out[at++] = '}';
	out[at] = '\0';
}

/* A member the rule's kind does not take: 422 naming it. */
static int refuse_member(struct json_object *doc, const char *name, const char *metric, struct error *err)
{
	if (!member(doc, name))
		return 0;
	return error_set(err, 422, ERROR_VALIDATION, name, "is not taken by %s rules", metric);
}

/* The window of a rule that has one: operator, threshold, window_seconds. */
static int window_from_json(struct json_object *doc, const char *default_operator, int preview,
			    struct window_rule *out, struct error *err)
{
	struct json_object *op = member(doc, "operator");

	out->operator = op ? name_in(operators, op) : preview ? ">=" : default_operator;
	if (!out->operator)
		return error_invalid(err, "operator", "must be one of >=, <=, ==, !=, >, <");
	if (preview && !member(doc, "threshold"))
		out->threshold = 0;
	else if (window_threshold_from_json(doc, &out->threshold, err) != 0)
		return -1;
	return integer_from_json(doc, "window_seconds", -1, WINDOW_SECONDS_MIN, WINDOW_SECONDS_MAX,
				 &out->window_seconds, err);
}

static int service_rule_from_json(struct json_object *doc, int preview, struct window_rule *out,
				  struct error *err)
{
	return window_from_json(doc, NULL, preview, out, err) != 0 || route_from_json(doc, out, err) != 0 ||
	       method_from_json(doc, out, err) != 0 ||
	       integer_from_json(doc, "min_requests", 0, 0, 1000000000000LL, &out->min_requests, err) != 0 ||
	       refuse_member(doc, "level", "service", err) != 0 ? -1 : 0;
}

/* "level": an event level, or absent for any. */
static int level_from_json(struct json_object *doc, struct window_rule *out, struct error *err)
{
	struct json_object *v = member(doc, "level");

	out->level = v ? name_in(levels, v) : NULL;
	if (v && !out->level)
		return error_invalid(err, "level", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
	return 0;
}

static int application_rule_from_json(struct json_object *doc, int preview, struct window_rule *out,
				      struct error *err)
{
	static const char *const service_only[] = { "route", "method", "min_requests", NULL };

	for (size_t i = 0; service_only[i]; i++)
		if (refuse_member(doc, service_only[i], "application", err) != 0)
			return -1;
	if (level_from_json(doc, out, err) != 0)
		return -1;
	if (strcmp(out->kind, "window") == 0)
		return window_from_json(doc, ">=", preview, out, err);
	if (preview)
		return error_set(err, 422, ERROR_VALIDATION, "metric", "%s rules have no series", out->metric);
	out->operator = NULL;
	out->window_seconds = 0;
	return refuse_member(doc, "operator", out->metric, err) != 0 ||
	       refuse_member(doc, "threshold", out->metric, err) != 0 ||
	       refuse_member(doc, "window_seconds", out->metric, err) != 0 ? -1 : 0;
}

int window_rule_from_json(struct json_object *doc, enum window_owner owner, int preview,
			  struct window_rule *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (metric_from_json(doc, owner, out, err) != 0)
		return -1;
	if ((owner == WINDOW_SERVICE ? service_rule_from_json(doc, preview, out, err)
				     : application_rule_from_json(doc, preview, out, err)) != 0)
		return -1;
	return preview ? 0 : window_channel_ids_from_json(doc, &out->channels, err);
}
