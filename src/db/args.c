/* args: what every statement's caller does around db_exec. */
#include "db/args.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "pure/json.h"

void sql_arg_text(struct sql_args *a, const char *text)
{
	a->values[a->n++] = text;
}

void sql_arg_binary(struct sql_args *a, const char *data, size_t len)
{
	a->values[a->n] = data;
	a->lengths[a->n] = (int)len;
	a->formats[a->n++] = 1;
}

void sql_arg_int(struct sql_args *a, int64_t value)
{
	snprintf(a->digits[a->n], sizeof(a->digits[a->n]), "%lld", (long long)value);
	a->values[a->n] = a->digits[a->n];
	a->n++;
}

void sql_arg_int_or_null(struct sql_args *a, int present, int64_t value)
{
	if (present)
		sql_arg_int(a, value);
	else
		sql_arg_text(a, NULL);
}

void sql_arg_window(struct sql_args *a, int64_t since, int64_t until)
{
	sql_arg_int_or_null(a, since != INT64_MIN, since);
	sql_arg_int_or_null(a, until != INT64_MAX, until);
}

int sql_run(const char *stmt, const struct sql_args *a, PGresult **result, struct error *err)
{
	enum db_status st = db_exec_binary(stmt, a->n, a->values, a->lengths, a->formats, result);

	if (st == DB_OK)
		return 0;
	if (st == DB_UNAVAILABLE)
		return error_set(err, 503, ERROR_UNAVAILABLE, NULL, "the database cannot be reached");
	return error_set(err, 500, ERROR_INTERNAL, NULL, "statement %s failed", stmt);
}

int sql_any_row(const char *stmt, const struct sql_args *a, struct error *err)
{
	PGresult *res = NULL;
	int any;

	if (sql_run(stmt, a, &res, err) != 0)
		return -1;
	any = PQntuples(res) > 0;
	PQclear(res);
	return any;
}

int sql_first_text(const char *stmt, const struct sql_args *a, char *out, size_t size,
		   struct error *err)
{
	PGresult *res = NULL;
	int any;

	if (sql_run(stmt, a, &res, err) != 0)
		return -1;
	any = PQntuples(res) > 0;
	if (any)
		snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return any;
}

int64_t sql_int(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
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

void sql_add_int(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		json_add_null(obj, key);
	else
		json_add_int(obj, key, sql_int(res, row, col));
}

void sql_add_jsonb(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	json_add_raw(obj, key, PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col));
}

void sql_add_time(struct json_object *obj, const char *key, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		json_add_null(obj, key);
	else
		json_add_time(obj, key, sql_int(res, row, col));
}
