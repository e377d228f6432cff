/* args: a statement's text parameters, its run with one error value, and its
 * rows' columns as JSON values. */
#ifndef TELLTALE_ARGS_H
#define TELLTALE_ARGS_H

#include <stdint.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "pure/error.h"

/* Parameters for a statement, text unless said otherwise, with room for the
 * digits of integers: as many as the most any statement takes (logs_ingest's),
 * and room to grow. */
#define SQL_ARGS_MAX 24
struct sql_args {
	const char *values[SQL_ARGS_MAX];
	char digits[SQL_ARGS_MAX][24];
	int lengths[SQL_ARGS_MAX];      /* of binary parameters */
	int formats[SQL_ARGS_MAX];      /* 1 for binary, 0 for text */
	int n;
};

void sql_arg_text(struct sql_args *a, const char *text);   /* NULL is SQL NULL */
/* data[0..len) in the parameter type's binary form (pure/pgarray.h). */
void sql_arg_binary(struct sql_args *a, const char *data, size_t len);
void sql_arg_int(struct sql_args *a, int64_t value);
/* value when present, else SQL NULL. */
void sql_arg_int_or_null(struct sql_args *a, int present, int64_t value);
/* since and until of a window as two arguments, SQL NULL for an open end
 * (INT64_MIN, INT64_MAX). */
void sql_arg_window(struct sql_args *a, int64_t since, int64_t until);

/* Runs prepared statement stmt with the arguments. Returns 0 with *result (the
 * caller's to PQclear), or -1 with *result NULL and *err filled: 503
 * UNAVAILABLE when the database cannot be reached, 500 INTERNAL otherwise. */
int sql_run(const char *stmt, const struct sql_args *a, PGresult **result, struct error *err);

/* Runs stmt as sql_run does and says whether it answered a row: 1 or 0, or
 * -1 with *err. */
int sql_any_row(const char *stmt, const struct sql_args *a, struct error *err);

/* Runs stmt as sql_run does and copies the first row's first column (cut to
 * size - 1 bytes) into out: 1 when there was a row, 0 when none, -1 with
 * *err. */
int sql_first_text(const char *stmt, const struct sql_args *a, char *out, size_t size,
		   struct error *err);

/* Reads column col of row as int64 (the statements return integers as text). */
int64_t sql_int(const PGresult *res, int row, int col);

/* Column col of row added to obj under key (the new value belongs to obj), SQL
 * NULL as JSON null: text as a string; double precision as a number spelt as
 * PostgreSQL spells it (the shortest exact form); json or jsonb as itself. */
void sql_add_text(struct json_object *obj, const char *key, const PGresult *res, int row, int col);
void sql_add_int(struct json_object *obj, const char *key, const PGresult *res, int row, int col);
void sql_add_double(struct json_object *obj, const char *key, const PGresult *res, int row, int col);
void sql_add_jsonb(struct json_object *obj, const char *key, const PGresult *res, int row, int col);
/* A ts_to_usec column as an RFC 3339 time, SQL NULL as JSON null. */
void sql_add_time(struct json_object *obj, const char *key, const PGresult *res, int row, int col);

#endif
