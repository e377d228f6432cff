/* metrics: /v1 request metrics over the logs of a service (or of all) in an
 * optional window of received time. A log is an error when its is_error
 * column says so: error set or status_code >= 500.
 *
 * One statement: log_metrics (sql/007_log_rollups.sql) reads the window's
 * whole days and hours from the counts and latency histograms that
 * telltale-rollup keeps and its edges from the logs, and finds each
 * percentile from the histogram and a short read of the logs in latency
 * order (exact), or, when its bucket holds too many to read, within the
 * bucket (sql/028).
 *
 * Per-route metrics come from log_route_metrics (sql/028): the logs
 * themselves for a window of a few thousand, with exact percentiles, else
 * hourly and daily counts by route, with percentiles from their latency
 * histograms. Their window defaults to the last 24 hours. A log stored before
 * logs had routes counts under its path. */
#include "api/metrics.h"

#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/params.h"
#include "http/response.h"

const struct db_statement metrics_statements[] = {
	/* $1 service or NULL, $2 since or NULL, $3 until or NULL. One row:
	 * total, errors, error rate, average, p50, p95, p99, by method, by status. */
	{ "metrics_get", "SELECT * FROM log_metrics($1, $2, $3)" },
	/* $1 service or NULL, $2 since, $3 until, $4 limit, $5 the sort. */
	{ "metrics_routes",
	  "SELECT method, route, n, errors, errors::float8 / n AS error_rate, p50, p95, p99"
	  " FROM log_route_metrics($1, $2, $3)"
	  " ORDER BY CASE $5::text WHEN 'error_rate' THEN errors::float8 / n WHEN 'p95' THEN p95"
	  "   ELSE n END DESC NULLS LAST, n DESC, method, route LIMIT $4" },
	{ NULL, NULL }
};

#define ROUTES_SPAN_DEFAULT (24 * 3600 * 1000000LL)
#define ROUTES_LIMIT_DEFAULT 50
#define ROUTES_LIMIT_MAX 500

static struct json_object *metrics_json(const PGresult *res, const char *service_id,
					int64_t since, int64_t until)
{
	struct json_object *m = json_object_new_object();

	if (*service_id)
		json_add_string(m, "service_id", service_id);
	else
		json_add_null(m, "service_id");
	if (since == INT64_MIN)
		json_add_null(m, "since");
	else
		json_add_time(m, "since", since);
	if (until == INT64_MAX)
		json_add_null(m, "until");
	else
		json_add_time(m, "until", until);
	json_add_int(m, "total_requests", sql_int(res, 0, 0));
	json_add_int(m, "error_count", sql_int(res, 0, 1));
	sql_add_double(m, "error_rate", res, 0, 2);
	sql_add_double(m, "avg_latency_ms", res, 0, 3);
	sql_add_double(m, "p50_latency_ms", res, 0, 4);
	sql_add_double(m, "p95_latency_ms", res, 0, 5);
	sql_add_double(m, "p99_latency_ms", res, 0, 6);
	json_add_raw(m, "by_method", PQgetvalue(res, 0, 7));
	json_add_raw(m, "by_status", PQgetvalue(res, 0, 8));
	return m;
}

/* GET /v1/metrics?service_id&since&until */
void metrics_get(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body;
	char service_id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;
	int64_t since, until;

	if (handler_query_uuid_or_respond(req, "service_id", service_id) != 0 ||
	    handler_query_window_or_respond(req, 0, &since, &until) != 0)
		return;
	sql_arg_text(&a, *service_id ? service_id : NULL);
	sql_arg_window(&a, since, until);
	if (handler_exec_or_respond(req, "metrics_get", &a, &res) != 0)
		return;
	body = metrics_json(res, service_id, since, until);
	respond_json(req, 200, body);
	json_object_put(body);
	PQclear(res);
}

static struct json_object *route_json(const PGresult *res, int row)
{
	struct json_object *r = json_object_new_object();

	json_add_string(r, "method", PQgetvalue(res, row, 0));
	sql_add_text(r, "route", res, row, 1);
	json_add_int(r, "count", sql_int(res, row, 2));
	json_add_int(r, "error_count", sql_int(res, row, 3));
	sql_add_double(r, "error_rate", res, row, 4);
	sql_add_double(r, "p50_latency_ms", res, row, 5);
	sql_add_double(r, "p95_latency_ms", res, row, 6);
	sql_add_double(r, "p99_latency_ms", res, row, 7);
	return r;
}

/* sort: count (the default), error_rate or p95. */
static int routes_sort_or_respond(struct request *req, const char **out)
{
	if (handler_query_text_or_respond(req, "sort", out) != 0)
		return -1;
	if (!*out)
		*out = "count";
	if (strcmp(*out, "count") == 0 || strcmp(*out, "error_rate") == 0 || strcmp(*out, "p95") == 0)
		return 0;
	return respond_error(req, 422, "VALIDATION", "sort", "sort must be count, error_rate or p95");
}

/* GET /v1/metrics/routes?service_id&since&until&sort&limit */
void metrics_routes(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body, *items;
	char service_id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;
	const char *sort;
	int64_t since, until, limit;

	if (handler_query_uuid_or_respond(req, "service_id", service_id) != 0 ||
	    handler_query_window_or_respond(req, ROUTES_SPAN_DEFAULT, &since, &until) != 0 ||
	    routes_sort_or_respond(req, &sort) != 0 ||
	    handler_query_int_or_respond(req, "limit", ROUTES_LIMIT_DEFAULT, 1, ROUTES_LIMIT_MAX, &limit) != 0)
		return;
	sql_arg_text(&a, *service_id ? service_id : NULL);
	sql_arg_int(&a, since);
	sql_arg_int(&a, until);
	sql_arg_int(&a, limit);
	sql_arg_text(&a, sort);
	if (handler_exec_or_respond(req, "metrics_routes", &a, &res) != 0)
		return;
	body = json_object_new_object();
	if (*service_id)
		json_add_string(body, "service_id", service_id);
	else
		json_add_null(body, "service_id");
	json_add_time(body, "since", since);
	json_add_time(body, "until", until);
	json_add_string(body, "sort", sort);
	items = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(items, route_json(res, i));
	json_object_object_add(body, "items", items);
	respond_json(req, 200, body);
	json_object_put(body);
	PQclear(res);
}
