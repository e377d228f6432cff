/* handler: validation glue between a request and a handler's typed values. */
#include "api/handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pure/event_input.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/mask.h"
#include "pure/params.h"
#include "pure/signature.h"
#include "http/read.h"
#include "http/response.h"
#include "pure/utf8.h"

int handler_path_id_or_respond(struct request *req, size_t i, int64_t *out)
{
	struct error err;

	return read_path_id(req, i, out, &err) == 0 ? 0 : respond_with(req, &err);
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



int handler_json_body_or_respond(struct request *req, struct json_object **doc)
{
	struct error err;

	return read_json_body(req, doc, &err) == 0 ? 0 : respond_with(req, &err);
}

int handler_db_failure(struct request *req, enum db_status status)
{
	return status == DB_UNAVAILABLE ? respond_unavailable(req) : respond_internal(req);
}

int handler_exec_or_respond(struct request *req, const char *stmt, const struct sql_args *a,
			    PGresult **result)
{
	struct error err;

	return sql_run(stmt, a, result, &err) == 0 ? 0 : respond_with(req, &err);
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
	const struct urlcode_param *p = request_query_param(req, name);

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
	struct error err;

	error_set(&err, 401, ERROR_UNAUTHORIZED, NULL, "%s", message);
	return respond_with(req, &err);
}

int handler_bearer_key_or_respond(struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1])
{
	struct error err;

	return read_bearer_key(req, digest, &err) == 0 ? 0 : respond_with(req, &err);
}

int handler_json_object_or_respond(struct request *req, struct json_object *doc)
{
	if (!json_object_is_type(doc, json_type_object))
		return respond_error(req, 422, "VALIDATION", NULL, "the body must be a JSON object");
	return 0;
}

int handler_json_optional_body_or_respond(struct request *req, struct json_object **doc)
{
	const char *cl = request_param(req, "CONTENT_LENGTH");

	*doc = NULL;
	if (!cl || !*cl || strcmp(cl, "0") == 0)
		return 0;
	if (handler_json_body_or_respond(req, doc) == 0 && handler_json_object_or_respond(req, *doc) == 0)
		return 0;
	json_object_put(*doc);
	*doc = NULL;
	return -1;
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

int handler_query_page_or_respond(struct request *req, int64_t def, int64_t max, enum cursor_id kind,
				  struct page_request *p)
{
	const char *cursor;

	memset(p, 0, sizeof(*p));
	if (handler_query_int_or_respond(req, "limit", def, 1, max, &p->limit) != 0 ||
	    handler_query_int_or_respond(req, "offset", 0, 0, INT64_MAX, &p->offset) != 0 ||
	    handler_query_text_or_respond(req, "cursor", &cursor) != 0)
		return -1;
	if (p->offset > HANDLER_OFFSET_MAX)
		return respond_error(req, 422, "VALIDATION", "offset",
				     "must be at most %d; page further with cursor (each page's next_cursor)",
				     HANDLER_OFFSET_MAX);
	if (!cursor)
		return 0;
	if (request_query_param(req, "offset"))
		return respond_error(req, 422, "VALIDATION", "cursor", "cannot be combined with offset");
	if (cursor_parse(cursor, strlen(cursor), kind, &p->after) != 0)
		return respond_error(req, 422, "VALIDATION", "cursor", "is not a cursor this collection gave");
	p->by_cursor = 1;
	return 0;
}

void handler_arg_cursor(struct sql_args *a, const struct page_request *p)
{
	if (p->by_cursor) {
		sql_arg_int(a, p->after.usec);
		sql_arg_text(a, p->after.id);
	} else {
		sql_arg_text(a, NULL);
		sql_arg_text(a, NULL);
	}
}

/* How far below a page's top the first run of a list looks: a day holds a
 * page of any but the sparsest application or service. */
#define RECENT_SPAN_USEC (INT64_C(86400) * 1000000)
/* What the database's clock may be ahead of the worker's. */
#define CLOCK_SLACK_USEC (INT64_C(60) * 1000000)

int64_t handler_clock_bound_usec(void)
{
	return handler_now_usec() + CLOCK_SLACK_USEC;
}

int handler_clock_held(const PGresult *res)
{
	return PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, PQnfields(res) - 1), "t") == 0;
}

int handler_exec_recent_first_or_respond(struct request *req, const char *stmt, struct sql_args *a,
					 const struct page_request *p, int64_t since, int64_t until,
					 PGresult **result)
{
	int64_t above = handler_clock_bound_usec();
	int64_t top = until != INT64_MAX ? until : handler_now_usec();
	int bounded_below, n = a->n;

	if (p->by_cursor && p->after.usec < top)
		top = p->after.usec;
	bounded_below = top > INT64_MIN + RECENT_SPAN_USEC && since < top - RECENT_SPAN_USEC;
	if (bounded_below)
		sql_arg_int(a, top - RECENT_SPAN_USEC);
	else
		sql_arg_text(a, NULL);
	sql_arg_int(a, above);
	if (handler_exec_or_respond(req, stmt, a, result) != 0)
		return -1;
	if (handler_clock_held(*result) && (!bounded_below || PQntuples(*result) > p->limit))
		return 0;
	PQclear(*result);
	a->n = n;
	sql_arg_text(a, NULL);
	sql_arg_text(a, NULL);
	return handler_exec_or_respond(req, stmt, a, result);
}

int handler_exec_recent_row_or_respond(struct request *req, const char *stmt_recent, const char *stmt,
				       struct sql_args *a, PGresult **result)
{
	int n = a->n;

	sql_arg_int(a, handler_now_usec() - RECENT_SPAN_USEC);
	sql_arg_int(a, handler_clock_bound_usec());
	if (handler_exec_or_respond(req, stmt_recent, a, result) != 0)
		return -1;
	if (PQntuples(*result) > 0)
		return 0;
	PQclear(*result);
	a->n = n;
	return handler_exec_or_respond(req, stmt, a, result);
}

void handler_respond_keyset_page(struct request *req, struct json_object *items, const PGresult *res,
				 int64_t rows, const struct page_request *p, int time_col, int id_col)
{
	struct json_object *page = json_object_new_object();
	int more = rows > p->limit;
	char cursor[CURSOR_TEXT_MAX];

	json_object_object_add(page, "items", items);
	if (more) {
		cursor_format(sql_int(res, (int)p->limit - 1, time_col), PQgetvalue(res, (int)p->limit - 1, id_col),
			      cursor);
		json_add_string(page, "next_cursor", cursor);
	} else {
		json_add_null(page, "next_cursor");
	}
	if (more && !p->by_cursor && p->offset + p->limit <= HANDLER_OFFSET_MAX)
		json_add_int(page, "next_offset", p->offset + p->limit);
	else
		json_add_null(page, "next_offset");
	respond_json(req, 200, page);
	json_object_put(page);
}

int handler_query_list_or_respond(struct request *req, struct sql_args *a)
{
	int64_t limit, offset;

	if (handler_query_int_or_respond(req, "limit", HANDLER_LIST_MAX, 1, HANDLER_LIST_MAX, &limit) != 0 ||
	    handler_query_int_or_respond(req, "offset", 0, 0, INT64_MAX - HANDLER_LIST_MAX, &offset) != 0)
		return -1;
	sql_arg_int(a, limit);
	sql_arg_int(a, offset);
	return 0;
}

void handler_respond_row(struct request *req, const PGresult *res,
			 struct json_object *(*row_json)(const PGresult *res, int row),
			 const char *field, const char *message)
{
	struct json_object *obj;

	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", field, "%s", message);
		return;
	}
	obj = row_json(res, 0);
	respond_json(req, 200, obj);
	json_object_put(obj);
}

void handler_respond_rows(struct request *req, const PGresult *res,
			  struct json_object *(*row_json)(const PGresult *res, int row))
{
	struct json_object *list = json_object_new_array_ext(PQntuples(res));

	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, row_json(res, i));
	respond_json(req, 200, list);
	json_object_put(list);
}

int handler_query_cursor_or_respond(struct request *req, int64_t *limit, int64_t *cursor)
{
	const char *text;
	int malformed = 0;
	char *end;

	if (handler_query_int_or_respond(req, "limit", 50, 1, 100, limit) != 0)
		return -1;
	*cursor = 0;
	text = request_query(req, "cursor", &malformed);
	if (malformed || (text && (*text < '1' || *text > '9' || strlen(text) > 18)))
		return respond_error(req, 422, "VALIDATION", "cursor",
				     "cursor must be a next_cursor this collection answered");
	if (text) {
		*cursor = strtoll(text, &end, 10);
		if (*end)
			return respond_error(req, 422, "VALIDATION", "cursor",
					     "cursor must be a next_cursor this collection answered");
	}
	return 0;
}

void handler_respond_cursor_page(struct request *req, const char *stmt, struct sql_args *a,
				 struct json_object *(*row_json)(const PGresult *res, int row))
{
	struct json_object *page, *items;
	struct sql_args none = { 0 };
	int64_t limit, cursor;
	PGresult *res = NULL;
	char next[24];
	int rows, shown;

	if (!a)
		a = &none;
	if (handler_query_cursor_or_respond(req, &limit, &cursor) != 0)
		return;
	sql_arg_int(a, cursor);
	sql_arg_int(a, limit + 1);
	if (handler_exec_or_respond(req, stmt, a, &res) != 0)
		return;
	rows = PQntuples(res);
	shown = rows > limit ? (int)limit : rows;
	items = json_object_new_array();
	for (int i = 0; i < shown; i++)
		json_object_array_add(items, row_json(res, i));
	page = json_object_new_object();
	json_object_object_add(page, "items", items);
	if (rows > limit) {
		snprintf(next, sizeof(next), "%lld", (long long)sql_int(res, shown - 1, 0));
		json_add_string(page, "next_cursor", next);
	} else {
		json_add_null(page, "next_cursor");
	}
	respond_json(req, 200, page);
	json_object_put(page);
	PQclear(res);
}

#define MASK_FIELDS_RULE "must be an array of at most 50 names of 1 to 64 characters" \
	" without control characters"

/* 1 when text[0..len) is UTF-8 without control characters (a name is kept
 * one a line). */
static int field_name_ok(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return 0;
	return len > 0 && len <= MASK_FIELD_MAX && utf8_valid(text, len);
}

int handler_json_mask_fields_or_respond(struct request *req, struct json_object *doc, char **lines)
{
	struct json_object *v = NULL;
	size_t n, len = 0;

	*lines = NULL;
	if (!json_object_object_get_ex(doc, "mask_fields", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || (n = json_object_array_length(v)) > MASK_FIELDS_MAX)
		return respond_error(req, 422, "VALIDATION", "mask_fields", MASK_FIELDS_RULE);
	if (!(*lines = calloc(n ? n : 1, MASK_FIELD_MAX + 1)))
		return respond_internal(req);
	for (size_t i = 0; i < n; i++) {
		struct json_object *name = json_object_array_get_idx(v, i);
		const char *text = json_object_get_string(name);
		size_t tlen = (size_t)json_object_get_string_len(name);

		if (!json_object_is_type(name, json_type_string) || !field_name_ok(text, tlen)) {
			free(*lines);
			*lines = NULL;
			return respond_error(req, 422, "VALIDATION", "mask_fields", MASK_FIELDS_RULE);
		}
		len += (size_t)sprintf(*lines + len, "%s%s", i ? "\n" : "", text);
	}
	return 0;
}


#define WEBHOOK_URL_MAX 2048

int handler_http_url_ok(const char *s, size_t len)
{
	return len <= WEBHOOK_URL_MAX && params_http_url_ok(s, len);
}

int handler_json_webhook_url_or_respond(struct request *req, struct json_object *doc, const char **out)
{
	return handler_json_optional_text_or_respond(req, doc, "webhook_url", 0, handler_http_url_ok,
		"must be an absolute http or https URL of at most 2048 characters", out);
}

int handler_add_webhook_secret(struct json_object *obj, const char *id, const char *nonce,
			       struct error *err)
{
	const char *key = getenv("TELLTALE_WEBHOOK_SECRET");
	char secret[SIGNATURE_SECRET_LEN + 1];

	if (!key || !*key)
		return error_set(err, 503, ERROR_UNAVAILABLE, NULL,
				 "no signing key is set (TELLTALE_WEBHOOK_SECRET)");
	if (signature_secret(key, id, nonce, secret) != 0)
		return error_set(err, 500, ERROR_INTERNAL, NULL, "cannot derive the secret");
	json_add_string(obj, "webhook_secret", secret);
	return 0;
}
