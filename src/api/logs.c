/* logs: /v1 request logs. An ingest is one statement, one round trip: the
 * key's digest finds an active key's service, the masked row goes in with it
 * (so an unknown or revoked key stores nothing), and a trigger records the
 * alert events of the service's rules that the stored log fires (sql/010),
 * so that the log and its events commit together. */
#include "api/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/printbuf.h>

#include "api/handler.h"
#include "base/log.h"
#include "http/read.h"
#include "pure/keycache.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/log_input.h"
#include "pure/params.h"
#include "http/response.h"
#include "pure/uuid7.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

/* A LOG without headers and bodies (the list), then those four (one log). */
#define LOG_COLUMNS \
	"l.id, l.service_id, l.method, l.url, l.path, l.status_code, l.latency_ms," \
	" l.query_params, l.request_body_truncated, l.response_body_truncated, l.error," \
	" host(l.source_ip), to_jsonb(l.tags), ts_to_usec(l.received_at), l.route, l.trace_id," \
	" l.span_id"
#define LOG_DETAIL_COLUMNS \
	LOG_COLUMNS ", l.request_headers, l.response_headers, l.request_body, l.response_body"

enum log_column {
	COL_ID, COL_SERVICE_ID, COL_METHOD, COL_URL, COL_PATH, COL_STATUS_CODE, COL_LATENCY,
	COL_QUERY_PARAMS, COL_REQUEST_TRUNCATED, COL_RESPONSE_TRUNCATED, COL_ERROR,
	COL_SOURCE_IP, COL_TAGS, COL_RECEIVED, COL_ROUTE, COL_TRACE_ID, COL_SPAN_ID,
	COL_REQUEST_HEADERS, COL_RESPONSE_HEADERS,
	COL_REQUEST_BODY, COL_RESPONSE_BODY,
};

/* What logs_ingest returns: the columns the server makes, and the two it
 * writes in a form of its own. The rest of the answer is the row it was
 * sent (ingested_log_json). */
#define INGEST_COLUMNS \
	"l.id, l.service_id, l.latency_ms, host(l.source_ip), ts_to_usec(l.received_at)"

enum ingest_column { IN_ID, IN_SERVICE_ID, IN_LATENCY, IN_SOURCE_IP, IN_RECEIVED };

#define LOGS_GET \
	"SELECT " LOG_DETAIL_COLUMNS " FROM logs l" \
	" WHERE l.id = $1 AND l.received_at >= log_floor(l.service_id)"

const struct db_statement logs_statements[] = {
	/* $1 the key's digest, $2..$17 the members of log_input_row's row
	 * (ROW_MEMBERS), each as text or SQL NULL, $18 the new log's id
	 * (new_log_id). No row when no active key has that digest. The trigger
	 * logs_fire_alerts (sql/010, as sql/013 redefines it) records the
	 * alert events of the rules the log fires.
	 * Printing the whole stored log back cost the server a tenth of its work
	 * per log (docs/benchmarks.md). */
	{ "logs_ingest",
	  "INSERT INTO logs AS l (id, service_id, method, url, path, status_code, latency_ms,"
	  "  query_params, request_headers, response_headers, request_body, response_body,"
	  "  request_body_truncated, response_body_truncated, error, source_ip, tags, route)"
	  " SELECT $18::uuid, k.service_id, $2::text, $3::text, $4::text, $5::smallint,"
	  "  $6::float8, $7::jsonb, $8::jsonb, $9::jsonb, $10::text, $11::text, $12::boolean,"
	  "  $13::boolean, $14::text, $15::inet, coalesce($16::text[], '{}'), $17::text"
	  " FROM service_keys k"
	  " WHERE k.key_sha256 = $1 AND k.is_active"
	  " RETURNING " INGEST_COLUMNS },
	/* logs_ingest for many logs in one statement: $1 the key's digest, $2 a
	 * JSON array of log_input_row rows, each with its "id" (new_log_id) and
	 * its "trace_id" and "span_id" (or none). Answers how many went in: 0
	 * when no active key has that digest. */
	{ "logs_ingest_many",
	  "WITH ins AS ("
	  "  INSERT INTO logs (id, service_id, method, url, path, status_code, latency_ms,"
	  "    query_params, request_headers, response_headers, request_body, response_body,"
	  "    request_body_truncated, response_body_truncated, error, source_ip, tags, route,"
	  "    trace_id, span_id)"
	  "  SELECT x.id, k.service_id, x.method, x.url, x.path, x.status_code, x.latency_ms,"
	  "    x.query_params, x.request_headers, x.response_headers, x.request_body,"
	  "    x.response_body, coalesce(x.request_body_truncated, false),"
	  "    coalesce(x.response_body_truncated, false), x.error, x.source_ip,"
	  "    coalesce(x.tags, '{}'), x.route, x.trace_id, x.span_id"
	  "  FROM service_keys k, json_to_recordset($2::json) AS x(id uuid, method text,"
	  "    url text, path text, status_code smallint, latency_ms float8, query_params jsonb,"
	  "    request_headers jsonb, response_headers jsonb, request_body text,"
	  "    response_body text, request_body_truncated boolean,"
	  "    response_body_truncated boolean, error text, source_ip inet, tags text[],"
	  "    route text, trace_id text, span_id text)"
	  "  WHERE k.key_sha256 = $1 AND k.is_active"
	  "  RETURNING 1"
	  ") SELECT count(*) FROM ins" },
	/* The key check alone, for a body that failed validation: a wrong key is
	 * answered 401 before a 422 would tell anything about the body. */
	/* A row when the key is active: its service's mask fields, one a line. */
	{ "logs_key_check",
	  "SELECT array_to_string(s.mask_fields, E'\\n') FROM service_keys k"
	  " JOIN services s ON s.id = k.service_id WHERE k.key_sha256 = $1 AND k.is_active" },
	/* Each filter is NULL when not asked for. $3 is a substring of the path,
	 * matched literally (LIKE's wildcards escaped). $11 limit + 1, $12 offset,
	 * $13 route and $14 trace_id, exact; $15 and $16 the cursor's time and id;
	 * $17 and $18 a lower and an upper bound of received_at
	 * (handler_exec_recent_first_or_respond); the last column is
	 * CLOCK_WITHIN($18). The time bounds are also comparisons of
	 * received_at with constants, which prune partitions when the statement
	 * is planned. Logs past their service's retention are hidden (log_floor,
	 * sql/025). */
	{ "logs_list",
	  "SELECT " LOG_COLUMNS ", " CLOCK_WITHIN("$18") " FROM logs l"
	  " WHERE ($1::uuid IS NULL OR l.service_id = $1) AND l.received_at >= log_floor(l.service_id)"
	  "  AND ($2::text IS NULL OR l.method = $2)"
	  "  AND ($3::text IS NULL OR l.path LIKE '%' || replace(replace(replace($3,"
	  "   '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"
	  "  AND ($4::smallint IS NULL OR l.status_code = $4)"
	  "  AND ($5::float8 IS NULL OR l.latency_ms >= $5)"
	  "  AND ($6::float8 IS NULL OR l.latency_ms <= $6)"
	  "  AND ($7::boolean IS NULL OR l.is_error = $7)"
	  "  AND ($8::text IS NULL OR l.tags @> ARRAY[$8::text])"
	  "  AND ($9::bigint IS NULL OR l.received_at >= usec_to_ts($9))"
	  "  AND ($10::bigint IS NULL OR l.received_at < usec_to_ts($10))"
	  "  AND ($13::text IS NULL OR l.route = $13)"
	  "  AND ($14::text IS NULL OR l.trace_id = $14)"
	  "  AND l.received_at >= coalesce(usec_to_ts($17), '-infinity')"
	  "  AND l.received_at <= coalesce(usec_to_ts($18), 'infinity')"
	  "  AND l.received_at <= coalesce(usec_to_ts($15), 'infinity')"
	  "  AND ($15::bigint IS NULL OR (l.received_at, l.id) < (usec_to_ts($15), $16::uuid))"
	  " ORDER BY l.received_at DESC, l.id DESC LIMIT $11 OFFSET $12" },
	/* $1 id; and, for the first look, $2 and $3 bounds of received_at
	 * (handler_exec_recent_row_or_respond). */
	{ "logs_get", LOGS_GET },
	{ "logs_get_recent",
	  LOGS_GET " AND l.received_at >= usec_to_ts($2) AND l.received_at <= usec_to_ts($3)" },
	{ NULL, NULL }
};

/* A LOG's three truncation flags: body_truncated when either body was cut. */
static void add_truncation(struct json_object *log, int req_cut, int resp_cut)
{
	json_object_object_add(log, "body_truncated", json_object_new_boolean(req_cut || resp_cut));
	json_object_object_add(log, "request_body_truncated", json_object_new_boolean(req_cut));
	json_object_object_add(log, "response_body_truncated", json_object_new_boolean(resp_cut));
}

/* One LOG from a row of LOG_COLUMNS, with headers and bodies when detail is
 * set (a row of LOG_DETAIL_COLUMNS); the caller puts it. */
static struct json_object *log_json(const PGresult *res, int row, int detail)
{
	struct json_object *log = json_object_new_object();
	int req_cut = *PQgetvalue(res, row, COL_REQUEST_TRUNCATED) == 't';
	int resp_cut = *PQgetvalue(res, row, COL_RESPONSE_TRUNCATED) == 't';

	json_add_string(log, "id", PQgetvalue(res, row, COL_ID));
	json_add_string(log, "service_id", PQgetvalue(res, row, COL_SERVICE_ID));
	json_add_string(log, "method", PQgetvalue(res, row, COL_METHOD));
	sql_add_text(log, "url", res, row, COL_URL);
	sql_add_text(log, "path", res, row, COL_PATH);
	if (PQgetisnull(res, row, COL_STATUS_CODE))
		json_add_null(log, "status_code");
	else
		json_add_int(log, "status_code", sql_int(res, row, COL_STATUS_CODE));
	sql_add_double(log, "latency_ms", res, row, COL_LATENCY);
	sql_add_jsonb(log, "query_params", res, row, COL_QUERY_PARAMS);
	if (detail) {
		sql_add_jsonb(log, "request_headers", res, row, COL_REQUEST_HEADERS);
		sql_add_jsonb(log, "response_headers", res, row, COL_RESPONSE_HEADERS);
		sql_add_text(log, "request_body", res, row, COL_REQUEST_BODY);
		sql_add_text(log, "response_body", res, row, COL_RESPONSE_BODY);
	}
	add_truncation(log, req_cut, resp_cut);
	sql_add_text(log, "error", res, row, COL_ERROR);
	sql_add_text(log, "source_ip", res, row, COL_SOURCE_IP);
	sql_add_jsonb(log, "tags", res, row, COL_TAGS);
	sql_add_text(log, "route", res, row, COL_ROUTE);
	sql_add_text(log, "trace_id", res, row, COL_TRACE_ID);
	sql_add_text(log, "span_id", res, row, COL_SPAN_ID);
	json_add_time(log, "received_at", sql_int(res, row, COL_RECEIVED));
	return log;
}

/* Adds row's member key to log, null when the row has none. */
static void add_member(struct json_object *log, struct json_object *row, const char *key)
{
	json_object_object_add(log, key, json_object_get(json_object_object_get(row, key)));
}

/* The LOG that logs_ingest stored (res, a row of INGEST_COLUMNS): the row it
 * was sent, which the server stores as it is, with what the server made of
 * it. The same members as log_json's, in its order; JSON objects keep the
 * order of their members as sent. */
static struct json_object *ingested_log_json(struct json_object *row, const PGresult *res)
{
	struct json_object *log = json_object_new_object();
	struct json_object *tags = json_object_object_get(row, "tags");
	int req_cut = json_object_get_boolean(json_object_object_get(row, "request_body_truncated"));
	int resp_cut = json_object_get_boolean(json_object_object_get(row, "response_body_truncated"));

	json_add_string(log, "id", PQgetvalue(res, 0, IN_ID));
	json_add_string(log, "service_id", PQgetvalue(res, 0, IN_SERVICE_ID));
	add_member(log, row, "method");
	add_member(log, row, "url");
	add_member(log, row, "path");
	add_member(log, row, "status_code");
	sql_add_double(log, "latency_ms", res, 0, IN_LATENCY);
	add_member(log, row, "query_params");
	add_member(log, row, "request_headers");
	add_member(log, row, "response_headers");
	add_member(log, row, "request_body");
	add_member(log, row, "response_body");
	add_truncation(log, req_cut, resp_cut);
	add_member(log, row, "error");
	sql_add_text(log, "source_ip", res, 0, IN_SOURCE_IP);
	json_object_object_add(log, "tags", tags ? json_object_get(tags) : json_object_new_array());
	add_member(log, row, "route");
	json_add_null(log, "trace_id");
	json_add_null(log, "span_id");
	json_add_time(log, "received_at", sql_int(res, 0, IN_RECEIVED));
	return log;
}

#define INVALID_KEY "the key is unknown or revoked"

/* Fills *err with the 401 of an unknown or revoked key. Returns -1. */
static int wrong_key(struct error *err)
{
	return error_set(err, 401, ERROR_UNAUTHORIZED, NULL, "%s", INVALID_KEY);
}

/* 1 when digest is an active key's, with its service's mask fields in
 * fields; 0 when not; -1 with *err when the statement failed. scope is the
 * key cache's: a service key has none (0). */
static int key_active(int64_t scope, const char *digest, char fields[KEYCACHE_PAYLOAD_MAX],
		      struct error *err)
{
	struct sql_args a = { 0 };

	(void)scope;
	sql_arg_text(&a, digest);
	return sql_first_text("logs_key_check", &a, fields, KEYCACHE_PAYLOAD_MAX, err);
}

/* The service keys this worker found active in the last second. */
static struct keycache known_keys;

int logs_key_known(const char *digest, struct mask_fields *fields, struct error *err)
{
	const char *lines = NULL;
	int known = keycache_known(&known_keys, 0, digest, log_now_usec(), key_active, err, &lines);

	if (known > 0)
		mask_fields_from_lines(fields, lines);
	return known > 0 ? 0 : known == 0 ? wrong_key(err) : -1;
}

/* A log refused with *err: the 401 of a wrong key takes its place, else the
 * 422 names the field in its message too ("status_code must be ..."). */
static int refuse_log(const char *digest, struct error *err)
{
	struct error invalid = *err;
	char fields[KEYCACHE_PAYLOAD_MAX];
	int active = key_active(0, digest, fields, err);

	if (active == 0)
		return wrong_key(err);
	if (active > 0) {
		*err = invalid;
		error_name_field(err);
	}
	return -1;
}

/* The members of a row of log_input_row, in the order of logs_ingest's $2..$17.
 * Passed one by one, the server reads each with its type's input function;
 * one JSON row cost it a parse of the whole row as jsonb and a function scan
 * to take it apart (docs/benchmarks.md). */
static const char *const ROW_MEMBERS[] = {
	"method", "url", "path", "status_code", "latency_ms", "query_params",
	"request_headers", "response_headers", "request_body", "response_body",
	"request_body_truncated", "response_body_truncated", "error", "source_ip", "tags", "route",
};

/* tags, an array of strings, as a PostgreSQL array literal: {"a","b\"c"}.
 * Returns a new string (the caller frees it), or NULL on no memory. */
static char *text_array_literal(struct json_object *tags)
{
	size_t n = json_object_array_length(tags), size = 3, len = 1;
	char *out;

	for (size_t i = 0; i < n; i++)
		size += 3 + 2 * (size_t)json_object_get_string_len(json_object_array_get_idx(tags, i));
	if (!(out = malloc(size)))
		return NULL;
	out[0] = '{';
	for (size_t i = 0; i < n; i++) {
		const char *t = json_object_get_string(json_object_array_get_idx(tags, i));

		if (i > 0)
			out[len++] = ',';
		out[len++] = '"';
		for (; *t; t++) {
			if (*t == '"' || *t == '\\')
				out[len++] = '\\';
			out[len++] = *t;
		}
		out[len++] = '"';
	}
	out[len++] = '}';
	out[len] = '\0';
	return out;
}

/* Adds row's members to a as logs_ingest's $2..$16: strings, numbers and
 * booleans as their text, objects as JSON, the tags as an array literal
 * (*tags, which the caller frees), an absent member as SQL NULL. The texts
 * belong to row. Returns 0, or -1 on no memory. */
static int row_args(struct json_object *row, struct sql_args *a, char **tags)
{
	*tags = NULL;
	for (size_t i = 0; i < sizeof(ROW_MEMBERS) / sizeof(ROW_MEMBERS[0]); i++) {
		struct json_object *v = json_object_object_get(row, ROW_MEMBERS[i]);

		if (!v)
			sql_arg_text(a, NULL);
		else if (json_object_is_type(v, json_type_array)) {
			if (!(*tags = text_array_literal(v)))
				return -1;
			sql_arg_text(a, *tags);
		} else if (json_object_is_type(v, json_type_object))
			sql_arg_text(a, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		else
			sql_arg_text(a, json_object_get_string(v));
	}
	return 0;
}

/* A new log's id: time-ordered (uuid7.h), which halves the WAL a log writes
 * after a checkpoint (docs/benchmarks.md). Made here, a clock reading and eight
 * random bytes, rather than by an SQL function in every insert. Returns 0, or
 * -1 when the random source fails. */
static int new_log_id(char out[UUID7_LEN + 1])
{
	unsigned char bytes[UUID7_RANDOM_BYTES];
	struct timespec now;

	if (keys_random_bytes(bytes, sizeof(bytes)) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &now) != 0)
		return -1;
	uuid7_format(&now, bytes, out);
	return 0;
}

/* Runs logs_ingest with the digest and the row. Returns 0 with *res (the
 * caller's to PQclear), or -1 with *err. A service deleted while its log was
 * going in makes the insert fail its foreign key: the key is gone by then,
 * so that is answered as a revoked key, not as a fault. */
static int store_log(const char *digest, struct json_object *row, PGresult **res,
		     struct error *err)
{
	struct sql_args a = { 0 };
	char id[UUID7_LEN + 1], fields[KEYCACHE_PAYLOAD_MAX];
	char *tags;
	int rc;

	sql_arg_text(&a, digest);
	if (row_args(row, &a, &tags) != 0 || new_log_id(id) != 0) {
		free(tags);
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory or no random bytes");
	}
	sql_arg_text(&a, id);
	rc = sql_run("logs_ingest", &a, res, err);
	free(tags);
	if (rc == 0 && PQntuples(*res) > 0)
		return 0;
	if (rc == 0 || (err->status == 500 && key_active(0, digest, fields, err) == 0))
		return wrong_key(err);
	return -1;
}

struct json_object *logs_masked_row(struct log_input *in, const struct mask_fields *fields)
{
	in->mask_fields = fields;
	return log_input_row(in);
}

int logs_batch_init(struct log_batch *b)
{
	b->count = 0;
	b->text = printbuf_new();
	return b->text && printbuf_memappend(b->text, "[", 1) >= 0 ? 0 : -1;
}

int logs_batch_add(struct log_batch *b, struct json_object *row, const char *trace_id,
		   const char *span_id)
{
	char id[UUID7_LEN + 1];
	const char *text;

	if (new_log_id(id) != 0)
		return -1;
	json_add_string(row, "id", id);
	if (*trace_id)
		json_add_string(row, "trace_id", trace_id);
	if (*span_id)
		json_add_string(row, "span_id", span_id);
	if (!(text = json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN)))
		return -1;
	if ((b->count > 0 && printbuf_memappend(b->text, ",", 1) < 0) ||
	    printbuf_memappend(b->text, text, (int)strlen(text)) < 0)
		return -1;
	b->count++;
	return 0;
}

int logs_batch_store(const char *digest, struct log_batch *b, struct error *err)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	int stored;

	if (b->count == 0)
		return 0;
	if (printbuf_memappend(b->text, "]", 1) < 0)
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	sql_arg_text(&a, digest);
	sql_arg_text(&a, b->text->buf);
	if (sql_run("logs_ingest_many", &a, &res, err) != 0)
		return -1;
	stored = (int)sql_int(res, 0, 0);
	PQclear(res);
	if (stored != b->count)
		return wrong_key(err);
	printbuf_reset(b->text);
	b->count = 0;
	return printbuf_memappend(b->text, "[", 1) < 0 ?
	       error_set(err, 500, ERROR_INTERNAL, NULL, "no memory") : 0;
}

void logs_batch_free(struct log_batch *b)
{
	if (b->text)
		printbuf_free(b->text);
	b->text = NULL;
}

/* POST /v1/logs, Authorization: Bearer mkey_... */
void logs_create(struct request *req)
{
	static struct mask_fields fields;      /* the service's names: 3 KiB */
	char digest[KEYS_SHA256_HEX_LEN + 1];
	struct json_object *doc = NULL, *row = NULL, *log;
	struct log_input in;
	struct error err;
	PGresult *res = NULL;

	if (read_bearer_key(req, digest, &err) != 0 || logs_key_known(digest, &fields, &err) != 0 ||
	    read_json_body(req, &doc, &err) != 0 ||
	    (log_input_parse(doc, &in, &err) != 0 && refuse_log(digest, &err)) ||
	    (!(row = logs_masked_row(&in, &fields)) && error_set(&err, 500, ERROR_INTERNAL, NULL, "no memory")) ||
	    store_log(digest, row, &res, &err) != 0) {
		respond_with(req, &err);
	} else {
		log = ingested_log_json(row, res);
		respond_json(req, 201, log);
		json_object_put(log);
	}
	PQclear(res);
	json_object_put(row);
	json_object_put(doc);
}

/* The filters of GET /v1/logs, each absent (NULL, "" or -1) unless asked for. */
struct log_filters {
	char service_id[PARAMS_UUID_LEN + 1];
	char method[LOG_METHOD_MAX + 1];
	const char *path, *tag, *route, *trace_id;
	int64_t status_code;
	const char *min_latency, *max_latency;      /* decimal text */
	int has_error;
	int64_t since, until;
	struct page_request page;
};

/* method: 1 to 16 letters, any case, matched upper case. */
static int method_or_respond(struct request *req, char out[LOG_METHOD_MAX + 1])
{
	const char *v;

	out[0] = '\0';
	if (handler_query_text_or_respond(req, "method", &v) != 0)
		return -1;
	if (v && field_method(v, strlen(v), out) != 0)
		return respond_error(req, 422, "VALIDATION", "method", "must be 1 to 16 letters");
	return 0;
}

/* A latency bound in milliseconds (a number >= 0): *out is its text, checked,
 * or NULL when absent. */
static int latency_or_respond(struct request *req, const char *name, const char **out)
{
	double ms;

	if (handler_query_text_or_respond(req, name, out) != 0)
		return -1;
	if (*out && params_parse_number(*out, &ms) != 0)
		return respond_error(req, 422, "VALIDATION", name, "must be a number >= 0");
	return 0;
}

/* has_error: true/false (or 1/0), or -1 when absent. */
static int has_error_or_respond(struct request *req, int *out)
{
	const char *v;

	*out = -1;
	if (handler_query_text_or_respond(req, "has_error", &v) != 0)
		return -1;
	if (v && params_parse_bool(v, out) != 0)
		return respond_error(req, 422, "VALIDATION", "has_error", "must be true or false");
	return 0;
}

static int filters_or_respond(struct request *req, struct log_filters *f)
{
	return handler_query_uuid_or_respond(req, "service_id", f->service_id) != 0 ||
	       method_or_respond(req, f->method) != 0 ||
	       handler_query_text_or_respond(req, "path", &f->path) != 0 ||
	       handler_query_int_or_respond(req, "status_code", -1, FIELD_STATUS_MIN, FIELD_STATUS_MAX,
					  &f->status_code) != 0 ||
	       latency_or_respond(req, "min_latency_ms", &f->min_latency) != 0 ||
	       latency_or_respond(req, "max_latency_ms", &f->max_latency) != 0 ||
	       has_error_or_respond(req, &f->has_error) != 0 ||
	       handler_query_text_or_respond(req, "tag", &f->tag) != 0 ||
	       handler_query_text_or_respond(req, "route", &f->route) != 0 ||
	       handler_query_text_or_respond(req, "trace_id", &f->trace_id) != 0 ||
	       handler_query_window_or_respond(req, 0, &f->since, &f->until) != 0 ||
	       handler_query_page_or_respond(req, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, CURSOR_ID_UUID,
					     &f->page) != 0 ? -1 : 0;
}

/* An integer argument, or NULL when it is absent (equal to none). */
static void arg_int_or_null(struct sql_args *a, int64_t value, int64_t none)
{
	if (value == none)
		sql_arg_text(a, NULL);
	else
		sql_arg_int(a, value);
}

static void filter_args(struct sql_args *a, const struct log_filters *f)
{
	sql_arg_text(a, *f->service_id ? f->service_id : NULL);
	sql_arg_text(a, *f->method ? f->method : NULL);
	sql_arg_text(a, f->path);
	arg_int_or_null(a, f->status_code, -1);
	sql_arg_text(a, f->min_latency);
	sql_arg_text(a, f->max_latency);
	sql_arg_text(a, f->has_error < 0 ? NULL : f->has_error ? "true" : "false");
	sql_arg_text(a, f->tag);
	sql_arg_window(a, f->since, f->until);
	sql_arg_int(a, f->page.limit + 1);
	sql_arg_int(a, f->page.offset);
	sql_arg_text(a, f->route);
	sql_arg_text(a, f->trace_id);
	handler_arg_cursor(a, &f->page);
}

/* GET /v1/logs?service_id&method&path&status_code&min_latency_ms&max_latency_ms
 *             &has_error&tag&route&trace_id&since&until&limit&offset&cursor */
void logs_list(struct request *req)
{
	struct log_filters f;
	struct sql_args a = { 0 };
	struct json_object *items;
	PGresult *res = NULL;

	if (filters_or_respond(req, &f) != 0)
		return;
	filter_args(&a, &f);
	if (handler_exec_recent_first_or_respond(req, "logs_list", &a, &f.page, f.since, f.until, &res) != 0)
		return;
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res) && i < f.page.limit; i++)
		json_object_array_add(items, log_json(res, i, 0));
	handler_respond_keyset_page(req, items, res, PQntuples(res), &f.page, COL_RECEIVED, COL_ID);
	PQclear(res);
}

/* GET /v1/logs/{id} */
void logs_get(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *log;
	char id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return;
	sql_arg_text(&a, id);
	if (handler_exec_recent_row_or_respond(req, "logs_get_recent", "logs_get", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such log");
	} else {
		log = log_json(res, 0, 1);
		respond_json(req, 200, log);
		json_object_put(log);
	}
	PQclear(res);
}
