/* handler: validation glue between a request and a handler's typed values. */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event_input.h"
#include "json.h"
#include "params.h"
#include "response.h"

int handler_path_id_or_respond(struct request *req, size_t i, int64_t *out)
{
	const struct request_segment *seg = &req->segments[i];

	if (i >= req->nsegments || params_parse_id(seg->text, seg->len, out) != 0)
		return respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
	return 0;
}

/* The value of query parameter name, or NULL; a broken escape is a 422. */
static int query_value_or_respond(struct request *req, const char *name, const char **out)
{
	int malformed = 0;

	*out = request_query(req, name, &malformed);
	if (malformed)
		return respond_error(req, 422, "VALIDATION", name, "malformed percent-escape");
	return 0;
}

int handler_query_int_or_respond(struct request *req, const char *name, int64_t def,
				 int64_t min, int64_t max, int64_t *out)
{
	const char *v;

	if (query_value_or_respond(req, name, &v) != 0)
		return -1;
	*out = def;
	if (!v)
		return 0;
	if (params_parse_int64(v, out) != 0 || *out < min || *out > max)
		return respond_error(req, 422, "VALIDATION", name,
				     "must be an integer from %lld to %lld", (long long)min,
				     (long long)max);
	return 0;
}

int handler_query_time_or_respond(struct request *req, const char *name, int64_t *out)
{
	const char *v;

	if (query_value_or_respond(req, name, &v) != 0)
		return -1;
	if (v && params_parse_time(v, out) != 0)
		return respond_error(req, 422, "VALIDATION", name,
				     "must be an RFC 3339 timestamp, a date, or Unix seconds");
	return 0;
}

int handler_query_level_or_respond(struct request *req, const char **out)
{
	const char *v;
	enum level level;

	*out = NULL;
	if (query_value_or_respond(req, "level", &v) != 0)
		return -1;
	if (!v)
		return 0;
	level = level_parse(v);
	if (level == LEVEL__MAX)
		return respond_error(req, 422, "VALIDATION", "level",
				     "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
	*out = level_names[level];
	return 0;
}

int handler_query_window_or_respond(struct request *req, int64_t default_span,
				    int64_t *since, int64_t *until)
{
	*until = INT64_MAX;
	*since = INT64_MIN;
	if (handler_query_time_or_respond(req, "since", since) != 0 ||
	    handler_query_time_or_respond(req, "until", until) != 0)
		return -1;
	if (default_span) {
		if (*until == INT64_MAX)
			*until = handler_now_usec();
		if (*since == INT64_MIN)
			*since = *until - default_span;
	}
	if (*since != INT64_MIN && *until != INT64_MAX && *since >= *until)
		return respond_error(req, 400, "BAD_REQUEST", NULL,
				     "since must be earlier than until");
	return 0;
}

/* A missing content type is taken as JSON; a given one must say JSON. */
static int json_content_type(const char *ct)
{
	size_t n;

	if (!ct || !*ct)
		return 1;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0 &&
	       strncasecmp(ct, "application/", 12) == 0;
}

int handler_json_body_or_respond(struct request *req, size_t limit, struct json_object **doc)
{
	struct json_parse_error err;

	*doc = NULL;
	switch (request_read_body(req, limit)) {
	case BODY_OK:
		break;
	case BODY_TOO_LARGE:
		return respond_error(req, 413, "PAYLOAD_TOO_LARGE", NULL,
				     "body is larger than %zu bytes", limit);
	default:
		return respond_error(req, 400, "BAD_REQUEST", NULL, "body could not be read");
	}
	if (!json_content_type(request_param(req, "CONTENT_TYPE")))
		return respond_error(req, 400, "BAD_REQUEST", NULL,
				     "Content-Type must be application/json");
	if (req->body_len == 0)
		return respond_error(req, 400, "BAD_REQUEST", NULL, "body is empty");
	*doc = json_parse_body(req->body, req->body_len, &err);
	if (!*doc)
		return respond_error(req, err.status, err.status == 400 ? "BAD_REQUEST" : "VALIDATION",
				     err.status == 400 ? NULL : err.field, "%s", err.message);
	return 0;
}

int handler_db_failure(struct request *req, enum db_status status)
{
	if (status == DB_UNAVAILABLE)
		return respond_unavailable(req);
	return respond_internal(req);
}

void sql_arg_text(struct sql_args *a, const char *text)
{
	a->values[a->n++] = text;
}

void sql_arg_int(struct sql_args *a, int64_t value)
{
	snprintf(a->digits[a->n], sizeof(a->digits[a->n]), "%lld", (long long)value);
	a->values[a->n] = a->digits[a->n];
	a->n++;
}

int handler_exec_or_respond(struct request *req, const char *stmt, const struct sql_args *a,
			    PGresult **result)
{
	enum db_status st = db_exec(stmt, a->n, a->values, result);

	if (st != DB_OK)
		return handler_db_failure(req, st);
	return 0;
}

int64_t sql_int(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int64_t handler_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
