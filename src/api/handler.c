/* handler: validation glue between a request and a handler's typed values. */
#include "api/handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pure/event_input.h"
#include "http/json.h"
#include "pure/keys.h"
#include "pure/params.h"
#include "http/response.h"
#include "pure/utf8.h"

int handler_path_id_or_respond(struct request *req, size_t i, int64_t *out)
{
	const struct request_segment *seg = &req->segments[i];

	if (i >= req->nsegments || params_parse_id(seg->text, seg->len, out) != 0)
		return respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
	return 0;
}

int handler_path_uuid_or_respond(struct request *req, size_t i, char out[PARAMS_UUID_LEN + 1])
{
	const struct request_segment *seg = &req->segments[i];

	if (i >= req->nsegments || params_parse_uuid(seg->text, seg->len, out) != 0)
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

/* Reads a JSON body, answering 413 past limit and 400 for a wrong content
 * type or an empty body. Returns 0, or -1 when it has answered. */
static int json_body_read_or_respond(struct request *req, size_t limit)
{
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
	return 0;
}

static int json_error_respond(struct request *req, const struct json_parse_error *err)
{
	return respond_error(req, err->status, err->status == 400 ? "BAD_REQUEST" : "VALIDATION",
			     err->status == 400 ? NULL : err->field, "%s", err->message);
}

int handler_json_body_or_respond(struct request *req, size_t limit, struct json_object **doc)
{
	struct json_parse_error err;

	*doc = NULL;
	if (json_body_read_or_respond(req, limit) != 0)
		return -1;
	*doc = json_parse_body(req->body, req->body_len, &err);
	return *doc ? 0 : json_error_respond(req, &err);
}

int handler_json_each_or_respond(struct request *req, size_t limit, json_each_fn each, void *ctx)
{
	struct json_parse_error err;
	int rc;

	if (json_body_read_or_respond(req, limit) != 0)
		return -1;
	rc = json_parse_each(req->body, req->body_len, each, ctx, &err);
	return rc >= 0 ? rc : json_error_respond(req, &err);
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

int handler_query_uuid_or_respond(struct request *req, const char *name, char out[PARAMS_UUID_LEN + 1])
{
	const char *v;

	out[0] = '\0';
	if (query_value_or_respond(req, name, &v) != 0)
		return -1;
	if (v && params_parse_uuid(v, strlen(v), out) != 0)
		return respond_error(req, 422, "VALIDATION", name, "must be a UUID");
	return 0;
}

int handler_query_text_or_respond(struct request *req, const char *name, const char **out)
{
	const struct urlcode_param *p = urlcode_query_get(&req->query, name);

	*out = NULL;
	if (!p)
		return 0;
	if (!p->value)
		return respond_error(req, 422, "VALIDATION", name, "malformed percent-escape");
	if (!utf8_valid(p->value, p->value_len))
		return respond_error(req, 422, "VALIDATION", name,
				     "must be UTF-8 text without NUL characters");
	*out = p->value;
	return 0;
}

int handler_respond_unauthorized(struct request *req, const char *message)
{
	/* RFC 6750: a 401 names the scheme it wants. */
	if (!req->headers)
		req->headers = "WWW-Authenticate: Bearer\r\n";
	return respond_error(req, 401, "UNAUTHORIZED", NULL, "%s", message);
}

int handler_bearer_key_or_respond(struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1])
{
	const char *header = request_param(req, "HTTP_AUTHORIZATION"), *key;

	if (!header || !*header)
		return handler_respond_unauthorized(req, "an Authorization: Bearer mkey_... header is required");
	if (params_bearer_mkey(header, &key) != 0)
		return handler_respond_unauthorized(req, "the Authorization header does not hold a Bearer mkey_ key");
	keys_sha256_hex(key, PARAMS_MKEY_LEN, digest);
	return 0;
}

int handler_json_object_or_respond(struct request *req, struct json_object *doc)
{
	if (!json_object_is_type(doc, json_type_object))
		return respond_error(req, 422, "VALIDATION", NULL, "the body must be a JSON object");
	return 0;
}

int handler_json_name_or_respond(struct request *req, struct json_object *doc,
				 const char *field, size_t max, char **out)
{
	struct json_object *v = NULL;
	const char *s;
	size_t start = 0, len;

	*out = NULL;
	if (!json_object_object_get_ex(doc, field, &v) || !json_object_is_type(v, json_type_string))
		return respond_error(req, 422, "VALIDATION", field, "must be a string of 1 to %zu characters", max);
	s = json_object_get_string(v);
	len = utf8_trim(s, (size_t)json_object_get_string_len(v), &start);
	if (len == 0 || utf8_count(s + start, len) > max)
		return respond_error(req, 422, "VALIDATION", field, "must be 1 to %zu characters", max);
	if (!utf8_printable(s + start, len))
		return respond_error(req, 422, "VALIDATION", field, "must not contain control characters");
	*out = strndup(s + start, len);
	if (!*out)
		return respond_internal(req);
	return 0;
}

void sql_add_text(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		json_add_null(obj, key);
	else
		json_add_string_len(obj, key, PQgetvalue(res, row, col),
				    (size_t)PQgetlength(res, row, col));
}

void sql_add_double(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	const char *text = PQgetvalue(res, row, col);

	if (PQgetisnull(res, row, col))
		json_add_null(obj, key);
	else
		json_object_object_add(obj, key, json_object_new_double_s(strtod(text, NULL), text));
}

void sql_add_jsonb(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	json_add_raw(obj, key, PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col));
}

void sql_arg_window(struct sql_args *a, int64_t since, int64_t until)
{
	if (since == INT64_MIN)
		sql_arg_text(a, NULL);
	else
		sql_arg_int(a, since);
	if (until == INT64_MAX)
		sql_arg_text(a, NULL);
	else
		sql_arg_int(a, until);
}

void handler_respond_page(struct request *req, struct json_object *items, int64_t rows,
			  int64_t limit, int64_t offset)
{
	struct json_object *page = json_object_new_object();

	json_object_object_add(page, "items", items);
	if (rows > limit)
		json_add_int(page, "next_offset", offset + limit);
	else
		json_add_null(page, "next_offset");
	respond_json(req, 200, page);
	json_object_put(page);
}

int handler_json_optional_text_or_respond(struct request *req, struct json_object *doc,
					  const char *field, size_t max,
					  int (*ok)(const char *, size_t), const char *rule,
					  const char **out)
{
	struct json_object *v = NULL;
	const char *s;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(doc, field, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return respond_error(req, 422, "VALIDATION", field, "%s", rule);
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if ((max && utf8_count(s, len) > max) || (ok && !ok(s, len)))
		return respond_error(req, 422, "VALIDATION", field, "%s", rule);
	*out = s;
	return 0;
}
