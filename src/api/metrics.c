/* metrics: /v1 request metrics over the logs of a service (or of all) in an
 * optional window of received time. A log is an error when its is_error
 * column says so: error set or status_code >= 500.
 *
 * One statement: log_metrics (sql/007_log_rollups.sql) reads the window's
 * whole days and hours from the counts and latency histograms that
 * telltale-rollup keeps and its edges from the logs, and finds the exact
 * percentiles from the histogram and a short read of the logs in latency
 * order. */
#include "api/metrics.h"

#include "api/handler.h"
#include "pure/json.h"
#include "pure/params.h"
#include "http/response.h"

const struct db_statement metrics_statements[] = {
	/* $1 service or NULL, $2 since or NULL, $3 until or NULL. One row:
	 * total, errors, error rate, average, p50, p95, p99, by method, by status. */
	{ "metrics_get", "SELECT * FROM log_metrics($1, $2, $3)" },
	{ NULL, NULL }
};

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
