/* handler: the checks every handler starts with. Each *_or_respond function
 * returns 0 when the value is good, or writes the 4xx itself and returns -1, so
 * a handler reads as a straight line:
 *     if (handler_path_id_or_respond(req, 1, &app_id) != 0) return;      */
#ifndef TELLTALE_HANDLER_H
#define TELLTALE_HANDLER_H

#include <stdint.h>

#include <json-c/json.h>

#include "pure/json.h"

#include "db/args.h"
#include "db/db.h"
#include "pure/cursor.h"
#include "pure/keys.h"
#include "pure/params.h"
#include "http/request.h"

/* The id in path segment i: 404 NOT_FOUND unless a positive 64-bit integer. */
int handler_path_id_or_respond(struct request *req, size_t i, int64_t *out);

/* The UUID in path segment i, lower-cased into out: 404 NOT_FOUND unless well formed. */
int handler_path_uuid_or_respond(struct request *req, size_t i, char out[PARAMS_UUID_LEN + 1]);

/* UUID query parameter name, lower-cased into out, or "" when absent; 422 when bad. */
int handler_query_uuid_or_respond(struct request *req, const char *name, char out[PARAMS_UUID_LEN + 1]);

/* Text query parameter name: *out is its value (lent) or NULL when absent; 422
 * when it is not valid UTF-8 or holds a NUL. */
int handler_query_text_or_respond(struct request *req, const char *name, const char **out);

/* The SHA-256 of the mkey_ key in "Authorization: Bearer mkey_...", into
 * digest; 401 UNAUTHORIZED when the header is missing or not such a key. */
int handler_bearer_key_or_respond(struct request *req, char digest[KEYS_SHA256_HEX_LEN + 1]);

/* 401 UNAUTHORIZED with a WWW-Authenticate: Bearer header. Returns -1. */
int handler_respond_unauthorized(struct request *req, const char *message);

/* Integer query parameter name in [min, max], def when absent: else 422. */
int handler_query_int_or_respond(struct request *req, const char *name, int64_t def,
				 int64_t min, int64_t max, int64_t *out);

/* Timestamp query parameter: *out set when present, def kept when absent; 422 when bad. */
int handler_query_time_or_respond(struct request *req, const char *name, int64_t *out);

/* level query parameter: *out is the upper-case name, or NULL when absent; 422 when bad. */
int handler_query_level_or_respond(struct request *req, const char **out);

/* since/until of a window: absent until is now, absent since is until - default_span
 * (or no bound when default_span is 0, leaving *since at INT64_MIN); since >= until
 * is 400 BAD_REQUEST. */
int handler_query_window_or_respond(struct request *req, int64_t default_span,
				    int64_t *since, int64_t *until);

/* Reads the body (413 past the route's limit), requires a JSON content type
 * (400), and parses it (400 or 422). *doc is the caller's to put. */
int handler_json_body_or_respond(struct request *req, struct json_object **doc);

/* 422 VALIDATION unless doc is a JSON object. */
int handler_json_object_or_respond(struct request *req, struct json_object *doc);

/* A body that may be left out: *doc NULL when there is none (or an empty
 * one), else the JSON object read as handler_json_body_or_respond and
 * handler_json_object_or_respond read it; *doc is the caller's to put
 * (NULL after a refusal). */
int handler_json_optional_body_or_respond(struct request *req, struct json_object **doc);

/* Member field of object doc as a name: a string of 1 to max characters after
 * trimming white space, without control characters; else 422 naming field.
 * *out is a new NUL-terminated copy of the trimmed name (the caller frees it). */
int handler_json_name_or_respond(struct request *req, struct json_object *doc,
				 const char *field, size_t max, char **out);

/* Answers a failed statement: 503 for DB_UNAVAILABLE, 500 otherwise. Returns -1. */
int handler_db_failure(struct request *req, enum db_status status);

/* sql_run with the arguments; on failure answers (503/500) and returns -1. */
int handler_exec_or_respond(struct request *req, const char *stmt, const struct sql_args *a,
			    PGresult **result);

/* A page of a collection listed newest first (events, logs, alert events):
 * limit, and the rows after offset or after cursor (docs/api.md, "Paging"). */
struct page_request {
	int64_t limit, offset;
	int by_cursor;
	struct cursor after;
};

/* offset reads well this far; past it, cursor. */
#define HANDLER_OFFSET_MAX 10000

/* limit (1..max, default def), offset (0..HANDLER_OFFSET_MAX) and cursor (one
 * that next_cursor gave, with ids of kind) into p: 422 naming the parameter
 * when bad, an offset past HANDLER_OFFSET_MAX (pointing to cursor), or a
 * cursor with an offset. */
int handler_query_page_or_respond(struct request *req, int64_t def, int64_t max, enum cursor_id kind,
				  struct page_request *p);

/* Appends the page's cursor as two statement arguments, its time
 * (microseconds) and its id, both NULL without one. */
void handler_arg_cursor(struct sql_args *a, const struct page_request *p);

/* A bound of received_at above every row stored so far, for a statement
 * that would otherwise plan every partition made for the week ahead: the
 * worker's clock and a minute, for the database's clock being ahead of it
 * (a row's received_at is the database's clock when it was stored). A
 * statement given one answers CLOCK_WITHIN of its parameter as its last
 * column: whether the database's clock was still within the bound as it
 * ran, after its snapshot. When it was not (the worker's clock is behind by
 * more than the minute), or no row answered to tell, handler_clock_held is
 * 0 and the statement must run again without the bound. */
#define CLOCK_WITHIN(param) "clock_timestamp() <= coalesce(usec_to_ts(" param "), 'infinity')"
int64_t handler_clock_bound_usec(void);
int handler_clock_held(const PGresult *res);

/* Runs stmt, a page of a collection in day partitions (events, logs) whose
 * last two arguments bound received_at from below and from above (NULL: no
 * bound), with the arguments in a and then those bounds. First a day below
 * the page's top (its cursor, else until, else now; none when since is
 * closer) and handler_clock_bound_usec above, which plans and opens one or
 * two partitions; when a bound below left the page short (limit + 1 rows),
 * or the clock did not hold, again with no bounds. Either answer is exact:
 * every row the first run leaves out below is older than all it found, and
 * none is above. 0 with *result, or -1 when it answered. */
int handler_exec_recent_first_or_respond(struct request *req, const char *stmt, struct sql_args *a,
					 const struct page_request *p, int64_t since, int64_t until,
					 PGresult **result);

/* Runs stmt_recent, a read of one row of events or logs by id, with the
 * arguments in a and then two bounds of received_at, a day below now and
 * handler_clock_bound_usec above: it plans only that day's partitions,
 * where a row shown from a list most likely is. When it answers no row, stmt
 * (the same read without the bounds, planned once for all) answers. 0 with
 * *result, or -1 when it answered. */
int handler_exec_recent_row_or_respond(struct request *req, const char *stmt_recent, const char *stmt,
				       struct sql_args *a, PGresult **result);

/* Answers 200 {"items": items, "next_cursor", "next_offset"}, taking items
 * over. rows is how many rows of res the statement gave for the page (it
 * asks for limit + 1); the page's last item is row limit - 1, whose time
 * (microseconds) and id are columns time_col and id_col. next_offset is null
 * past HANDLER_OFFSET_MAX, and for a page asked by cursor. */
void handler_respond_keyset_page(struct request *req, struct json_object *items, const PGresult *res,
				 int64_t rows, const struct page_request *p, int time_col, int id_col);

/* The collections without pages of their own (applications, services,
 * alert rules) answer at most this many items, from offset. */
#define HANDLER_LIST_MAX 1000

/* limit (1..HANDLER_LIST_MAX, default HANDLER_LIST_MAX) and offset (0..)
 * query parameters appended to a as two statement arguments; else 422. */
int handler_query_list_or_respond(struct request *req, struct sql_args *a);

/* Answers 200 with row_json's object for row 0 of res, or 404 NOT_FOUND
 * with message (naming field, when not NULL) when res has no row. */
void handler_respond_row(struct request *req, const PGresult *res,
			 struct json_object *(*row_json)(const PGresult *res, int row),
			 const char *field, const char *message);

/* Answers 200 with a JSON array of row_json's object for each row of res. */
void handler_respond_rows(struct request *req, const PGresult *res,
			  struct json_object *(*row_json)(const PGresult *res, int row));

/* limit (1..100, default 50) and cursor (the last id of the page before,
 * as next_cursor gave it; 0 when absent) of a collection paged by cursor:
 * else 422 naming the parameter. */
int handler_query_cursor_or_respond(struct request *req, int64_t *limit, int64_t *cursor);

/* A collection paged by cursor: runs stmt with the arguments in a (may be
 * NULL for none), then the cursor and limit + 1, and answers 200 {"items":
 * [row_json of each row], "next_cursor": the last id shown (column 0) |
 * null}; or the 422 or 503 on the way. */
void handler_respond_cursor_page(struct request *req, const char *stmt, struct sql_args *a,
				 struct json_object *(*row_json)(const PGresult *res, int row));

/* The optional "mask_fields" member of doc (a service's or an
 * application's own names to mask) as names one a line in *lines (the caller
 * frees it; NULL when absent): 422 naming mask_fields unless it is an array
 * of at most 50 names of 1 to 64 characters without control characters. */
int handler_json_mask_fields_or_respond(struct request *req, struct json_object *doc, char **lines);

/* SQL for a mask_fields column from such a text parameter n ("$2"). */
#define HANDLER_MASK_FIELDS(n) "coalesce(string_to_array(" n ", E'\\n'), '{}')"

/* Current UTC time in microseconds since the epoch. */
int64_t handler_now_usec(void);

/* Optional string member field of object doc: *out is lent from doc, or NULL
 * when absent or null. 422 naming field, with message rule, unless it is a
 * string of at most max characters (0: any length) that passes ok (when
 * given; ok sees the bytes and their length). */
int handler_json_optional_text_or_respond(struct request *req, struct json_object *doc,
					  const char *field, size_t max,
					  int (*ok)(const char *, size_t), const char *rule,
					  const char **out);

/* 1 when s[0..len) is an absolute http(s) URL of at most 2048 characters. */
int handler_http_url_ok(const char *s, size_t len);

/* Optional "webhook_url" of doc: *out lent, or NULL when absent or null; 422
 * unless an absolute http(s) URL of at most 2048 characters. */
int handler_json_webhook_url_or_respond(struct request *req, struct json_object *doc, const char **out);

/* The webhook secret of id (a rule's id, "app-" and an application's) under
 * nonce (pure/signature.h), added to obj as webhook_secret. Returns 0, or -1
 * with *err: no signing key is set (503), or OpenSSL failed. */
int handler_add_webhook_secret(struct json_object *obj, const char *id, const char *nonce,
			       struct error *err);

#endif
