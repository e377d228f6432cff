/* stats: each statistic is one statement over [since, until) of received_at,
 * reading the counts that telltale-rollup keeps: daily and hourly ones for
 * whole days and hours, per-minute ones for the whole minutes at the edges,
 * and the events themselves for the seconds left at each end. The counts are
 * kept by application and level only: a statistic of one environment or
 * release reads the events themselves. The database returns only the buckets
 * that have events; the worker lays out every bucket of the window, so empty
 * ones show as zeros. */
#include "api/stats.h"

#include "api/handler.h"
#include "pure/json.h"
#include "pure/params.h"
#include "http/response.h"

#define DEFAULT_SPAN_USEC (24 * 3600 * 1000000LL)
#define MAX_BUCKETS 10000
#define TOP_LIMIT_DEFAULT 10
#define TOP_LIMIT_MAX 100

/* Every statement takes $1 app, $2 since, $3 until, $4 level, $5
 * environment and $6 release (NULL: any), and answers no row when the
 * application does not exist, and one row of NULLs when it exists but has
 * nothing in the window; its last column is CLOCK_WITHIN($3). A statement
 * of the rollups is run only without an environment or a release, and takes
 * the window's split as $7 to $12 (see M_LO), all named in FOR_APP_ROLLED
 * because some statements read only a few. */
#define FOR_APP(select, from_where) \
	"SELECT " select ", " CLOCK_WITHIN("$3") \
	" FROM applications a LEFT JOIN LATERAL (" from_where ") s ON true WHERE a.id = $1"
#define FOR_APP_ROLLED(select, from_where) \
	FOR_APP(select, from_where) " AND $5::text IS NULL AND $6::text IS NULL" \
	" AND num_nulls($7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint, $12::bigint) = 0"
#define LEVEL_IS "($4::text IS NULL OR level = $4)"
#define WHERE_IS "($5::text IS NULL OR environment = $5) AND ($6::text IS NULL OR release = $6)"
/* The window's end: when the request named none, a bound above every row
 * stored so far (see window_args). */
#define UNTIL "coalesce(usec_to_ts($3), 'infinity')"
#define IN_WINDOW \
	" WHERE application_id = a.id AND received_at >= usec_to_ts($2)" \
	" AND received_at < " UNTIL " AND " LEVEL_IS " AND " WHERE_IS

/* The window's split (see stats_bounds in sql/029_event_minutes.sql), read
 * by stats_window before the statistic and given to it as $7 to $12:
 * [W_LO, W_HI) from the hourly counts, its whole days [D_LO, D_HI) from the
 * daily ones, [M_LO, W_LO) and [W_HI, M_HI) from the minute counts. As
 * values, the bounds let the planner leave out every day partition of
 * events outside the two edges: read within the statement, each edge was
 * planned over all of them (6.5-8 ms of planning at 98 partitions). A
 * generic plan, which knows none of them, estimates a range between two
 * parameters narrow (half a per cent of the rows). */
#define M_LO "usec_to_ts($7)"
#define W_LO "usec_to_ts($8)"
#define W_HI "usec_to_ts($9)"
#define M_HI "usec_to_ts($10)"
#define D_LO "usec_to_ts($11)"
#define D_HI "usec_to_ts($12)"

/* The edges of a window: the whole minutes around its hourly part from a
 * minute table, less than a minute at each end from events (and whatever
 * the rollup has not counted yet, past M_HI). Each row is (time, level,
 * count, message key, message, last seen), as cols and raw_cols name them. */
#define EDGES(table, cols, raw_cols) \
	"SELECT " cols " FROM " table \
	"  WHERE application_id = a.id AND minute >= " M_LO " AND minute < " W_LO " AND " LEVEL_IS \
	" UNION ALL SELECT " cols " FROM " table \
	"  WHERE application_id = a.id AND minute >= " W_HI " AND minute < " M_HI " AND " LEVEL_IS \
	" UNION ALL SELECT " raw_cols " FROM events" \
	"  WHERE application_id = a.id AND received_at >= usec_to_ts($2)" \
	"    AND received_at < " M_LO " AND " LEVEL_IS \
	" UNION ALL SELECT " raw_cols " FROM events" \
	"  WHERE application_id = a.id AND received_at >= " M_HI \
	"    AND received_at < " UNTIL " AND " LEVEL_IS
#define COUNT_ROWS \
	"SELECT hour AS t, level, count AS n FROM event_counts_hourly" \
	"  WHERE application_id = a.id AND hour >= " W_LO " AND hour < " W_HI " AND " LEVEL_IS \
	" UNION ALL " EDGES("event_counts_minutely", "minute, level, count", "received_at, level, 1")
/* A window by minute: all its whole minutes from the minute table. */
#define MINUTE_ROWS \
	"SELECT minute AS t, count AS n FROM event_counts_minutely" \
	"  WHERE application_id = a.id AND minute >= " M_LO " AND minute < " M_HI " AND " LEVEL_IS \
	" UNION ALL SELECT received_at, 1 FROM events" \
	"  WHERE application_id = a.id AND received_at >= usec_to_ts($2)" \
	"    AND received_at < " M_LO " AND " LEVEL_IS \
	" UNION ALL SELECT received_at, 1 FROM events" \
	"  WHERE application_id = a.id AND received_at >= " M_HI \
	"    AND received_at < " UNTIL " AND " LEVEL_IS
/* Messages: the whole days of the window's hourly part from the daily table,
 * the hours around them from the hourly one, the edges as above. */
#define MESSAGE_COLS "message_md5 AS k, message, count AS n, last_seen"
#define MESSAGE_ROWS \
	"SELECT " MESSAGE_COLS " FROM message_counts_daily" \
	"  WHERE application_id = a.id AND day >= " D_LO " AND day < " D_HI " AND " LEVEL_IS \
	" UNION ALL SELECT " MESSAGE_COLS " FROM message_counts_hourly" \
	"  WHERE application_id = a.id AND hour >= " W_LO " AND hour < " D_LO " AND " LEVEL_IS \
	" UNION ALL SELECT " MESSAGE_COLS " FROM message_counts_hourly" \
	"  WHERE application_id = a.id AND hour >= " D_HI " AND hour < " W_HI " AND " LEVEL_IS \
	" UNION ALL " EDGES("message_counts_minutely", MESSAGE_COLS, \
			    "md5(message)::uuid, message, 1, received_at")

const struct db_statement stats_statements[] = {
	/* $1 since, $2 until (NULL: until the next statement's snapshot); the
	 * bounds in microseconds, all finite since since is. */
	{ "stats_window",
	  "SELECT ts_to_usec(w.mlo), ts_to_usec(w.lo), ts_to_usec(w.hi), ts_to_usec(w.mhi),"
	  " ts_to_usec(w.dlo), ts_to_usec(w.dhi) FROM stats_bounds(usec_to_ts($1), coalesce(usec_to_ts($2), 'infinity')) w" },
	/* $13 bucket width in microseconds (whole hours; a minute for
	 * stats_timeseries_minutes), $14 the origin buckets count from. */
	{ "stats_timeseries",
	  FOR_APP_ROLLED("s.bucket, s.n",
		  "SELECT ts_to_usec(date_bin($13 * interval '1 microsecond', t,"
		  " usec_to_ts($14))) AS bucket, sum(n) AS n FROM (" COUNT_ROWS ") x"
		  " GROUP BY 1 ORDER BY 1") },
	/* By minute: the window's whole minutes from the minute table, which
	 * the hourly one cannot split, and its seconds at each end from
	 * events. */
	{ "stats_timeseries_minutes",
	  FOR_APP_ROLLED("s.bucket, s.n",
		  "SELECT ts_to_usec(date_bin($13 * interval '1 microsecond', t,"
		  " usec_to_ts($14))) AS bucket, sum(n) AS n FROM (" MINUTE_ROWS ") x"
		  " GROUP BY 1 ORDER BY 1") },
	/* The same from events, for an environment or a release: $7 and $8
	 * as $13 and $14 above. */
	{ "stats_timeseries_events",
	  FOR_APP("s.bucket, s.n",
		  "SELECT ts_to_usec(date_bin($7 * interval '1 microsecond', received_at,"
		  " usec_to_ts($8))) AS bucket, count(*) AS n FROM events" IN_WINDOW
		  " GROUP BY 1 ORDER BY 1") },
	{ "stats_by_level",
	  FOR_APP_ROLLED("s.level, s.n",
		  "SELECT level, sum(n) AS n FROM (" COUNT_ROWS ") x"
		  " GROUP BY level ORDER BY n DESC, level") },
	{ "stats_by_level_events",
	  FOR_APP("s.level, s.n",
		  "SELECT level, count(*) AS n FROM events" IN_WINDOW
		  " GROUP BY level ORDER BY n DESC, level") },
	/* $13 limit. */
	{ "stats_top_messages",
	  FOR_APP_ROLLED("s.message, s.n, s.last_seen",
		  "SELECT min(message) AS message, sum(n) AS n, ts_to_usec(max(last_seen)) AS last_seen"
		  " FROM (" MESSAGE_ROWS ") x"
		  " GROUP BY k ORDER BY n DESC, last_seen DESC LIMIT $13") },
	/* $7 limit. */
	{ "stats_top_messages_events",
	  FOR_APP("s.message, s.n, s.last_seen",
		  "SELECT min(message) AS message, count(*) AS n, ts_to_usec(max(received_at)) AS last_seen"
		  " FROM events" IN_WINDOW
		  " GROUP BY md5(message) ORDER BY n DESC, last_seen DESC LIMIT $7") },
	{ NULL, NULL }
};

/* The arguments every statistic shares: app, since, until, level,
 * environment and release (w, as where_or_respond read them). Until, in the
 * answer, is the worker's clock when the request came. A request without
 * until counts up to its statement's snapshot: until goes as
 * handler_clock_bound_usec, which the statement checks (*bounded is 1), so
 * that the partitions made for the week ahead are not planned. Sent as the
 * worker's clock itself, until could fall a moment before the rollup's
 * progress, which the rollup may have moved on since; the window's last
 * hour could then no longer come from its hourly counts, and the statement
 * read its minutes and up to a minute of events instead (see
 * stats_bounds). */
/* environment and release of the query, NULL when absent. */
struct where {
	const char *environment, *release;
};

static void window_args(struct sql_args *a, int64_t app_id, int64_t since, int64_t until,
			int bounded, const char *level, const struct where *w)
{
	sql_arg_int(a, app_id);
	sql_arg_int(a, since);
	sql_arg_int(a, bounded ? handler_clock_bound_usec() : until);
	sql_arg_text(a, level);
	sql_arg_text(a, w->environment);
	sql_arg_text(a, w->release);
}

/* window_args, then, for a statistic of the rollups (not filtered), the
 * window's split from stats_window, for until as the request named it
 * (NULL: the statement's snapshot). 0, or -1 when it has answered. */
static int stat_args_or_respond(struct request *req, struct sql_args *a, int64_t app_id,
				int64_t since, int64_t until, const char *level,
				const struct where *w, int filtered, int *bounded)
{
	struct sql_args bounds_args = { 0 };
	PGresult *bounds;
	int malformed = 0;

	*bounded = request_query(req, "until", &malformed) == NULL;
	window_args(a, app_id, since, until, *bounded, level, w);
	if (filtered)
		return 0;
	sql_arg_int(&bounds_args, since);
	sql_arg_int_or_null(&bounds_args, !*bounded, until);
	if (handler_exec_or_respond(req, "stats_window", &bounds_args, &bounds) != 0)
		return -1;
	for (int col = 0; col < PQnfields(bounds); col++)
		sql_arg_int(a, sql_int(bounds, 0, col));
	PQclear(bounds);
	return 0;
}

/* environment and release into *w: 422 unless valid text when given.
 * Returns 1 when either is given (the statistic is then read from the
 * events), 0 when neither, -1 when it has answered. */
static int where_or_respond(struct request *req, struct where *w)
{
	if (handler_query_text_or_respond(req, "environment", &w->environment) != 0 ||
	    handler_query_text_or_respond(req, "release", &w->release) != 0)
		return -1;
	return w->environment || w->release;
}

/* The argument window_args made of until. */
#define UNTIL_ARG 2

/* Runs a statistic, again with until as NULL when the bound given in its
 * place (bounded) did not hold; 404 when the application does not exist.
 * Returns the number of data rows (0 for none) or -1 when it has
 * answered. */
static int run_stat_or_respond(struct request *req, const char *stmt, struct sql_args *a,
			       int bounded, PGresult **res)
{
	if (handler_exec_or_respond(req, stmt, a, res) != 0)
		return -1;
	if (bounded && !handler_clock_held(*res)) {
		PQclear(*res);
		a->values[UNTIL_ARG] = NULL;
		if (handler_exec_or_respond(req, stmt, a, res) != 0)
			return -1;
	}
	if (PQntuples(*res) == 0) {
		PQclear(*res);
		*res = NULL;
		return respond_error(req, 404, "NOT_FOUND", NULL, "no such application");
	}
	return PQgetisnull(*res, 0, 0) ? 0 : PQntuples(*res);
}

static struct json_object *window_json(int64_t since, int64_t until)
{
	struct json_object *body = json_object_new_object();

	json_add_time(body, "since", since);
	json_add_time(body, "until", until);
	return body;
}

/* The interval parameter: HOUR when absent; 422 when unknown. */
static int interval_or_respond(struct request *req, enum interval *iv)
{
	int malformed = 0;
	const char *v = request_query(req, "interval", &malformed);

	*iv = v ? params_parse_interval(v) : INTERVAL_HOUR;
	if (malformed || *iv == INTERVAL__MAX)
		return respond_error(req, 422, "VALIDATION", "interval",
				     "must be one of MINUTE, HOUR, DAY, WEEK");
	return 0;
}

/* Every bucket from the one holding since to the one holding until, with the
 * counts of rows (ascending buckets) filled in and zeros elsewhere. */
static struct json_object *series_json(enum interval iv, int64_t first, int64_t last,
				       const PGresult *res, int rows)
{
	struct json_object *series = json_object_new_array();
	int r = 0;

	for (int64_t b = first; b <= last; b += interval_usec[iv]) {
		struct json_object *point = json_object_new_object();
		int64_t count = 0;

		while (r < rows && sql_int(res, r, 0) < b)
			r++;
		if (r < rows && sql_int(res, r, 0) == b)
			count = sql_int(res, r, 1);
		json_add_time(point, "bucket_start", b);
		json_add_int(point, "count", count);
		json_object_array_add(series, point);
	}
	return series;
}

/* The statement of a series by iv, from the events themselves when
 * filtered by environment or release. */
static const char *timeseries_statement(enum interval iv, int filtered)
{
	if (filtered)
		return "stats_timeseries_events";
	return iv == INTERVAL_MINUTE ? "stats_timeseries_minutes" : "stats_timeseries";
}

/* GET /apps/{app_id}/stats/timeseries?since&until&interval&level&environment&release */
void stats_timeseries(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body;
	enum interval iv;
	PGresult *res = NULL;
	const char *level;
	int64_t app_id, since, until, first, last;
	struct where w;
	int rows, filtered, bounded;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    interval_or_respond(req, &iv) != 0 ||
	    handler_query_level_or_respond(req, &level) != 0 ||
	    handler_query_window_or_respond(req, DEFAULT_SPAN_USEC, &since, &until) != 0 ||
	    (filtered = where_or_respond(req, &w)) < 0)
		return;
	first = params_bucket_start(iv, since);
	last = params_bucket_start(iv, until);
	if ((last - first) / interval_usec[iv] + 1 > MAX_BUCKETS) {
		respond_error(req, 422, "VALIDATION", "interval",
			      "the window holds more than %d buckets of this interval", MAX_BUCKETS);
		return;
	}
	if (stat_args_or_respond(req, &a, app_id, since, until, level, &w, filtered, &bounded) != 0)
		return;
	sql_arg_int(&a, interval_usec[iv]);
	sql_arg_int(&a, params_bucket_start(iv, 0));
	if ((rows = run_stat_or_respond(req, timeseries_statement(iv, filtered), &a, bounded, &res)) < 0)
		return;
	body = window_json(since, until);
	json_object_object_add(body, "interval", json_object_new_string(interval_names[iv]));
	json_object_object_add(body, "series", series_json(iv, first, last, res, rows));
	respond_json(req, 200, body);
	json_object_put(body);
	PQclear(res);
}

/* GET /apps/{app_id}/stats/by-level?since&until&environment&release */
void stats_by_level(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body, *items;
	PGresult *res = NULL;
	int64_t app_id, since, until;
	struct where w;
	int rows, filtered, bounded;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_query_window_or_respond(req, DEFAULT_SPAN_USEC, &since, &until) != 0 ||
	    (filtered = where_or_respond(req, &w)) < 0)
		return;
	if (stat_args_or_respond(req, &a, app_id, since, until, NULL, &w, filtered, &bounded) != 0)
		return;
	if ((rows = run_stat_or_respond(req, filtered ? "stats_by_level_events" : "stats_by_level",
					&a, bounded, &res)) < 0)
		return;
	body = window_json(since, until);
	items = json_object_new_array();
	for (int i = 0; i < rows; i++) {
		struct json_object *item = json_object_new_object();

		json_add_string(item, "level", PQgetvalue(res, i, 0));
		json_add_int(item, "count", sql_int(res, i, 1));
		json_object_array_add(items, item);
	}
	json_object_object_add(body, "items", items);
	respond_json(req, 200, body);
	json_object_put(body);
	PQclear(res);
}

/* GET /apps/{app_id}/stats/top-messages?since&until&limit&level&environment&release */
void stats_top_messages(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *body, *items;
	PGresult *res = NULL;
	const char *level;
	int64_t app_id, since, until, limit;
	struct where w;
	int rows, filtered, bounded;

	if (handler_path_id_or_respond(req, 1, &app_id) != 0 ||
	    handler_query_int_or_respond(req, "limit", TOP_LIMIT_DEFAULT, 1, TOP_LIMIT_MAX, &limit) != 0 ||
	    handler_query_level_or_respond(req, &level) != 0 ||
	    handler_query_window_or_respond(req, DEFAULT_SPAN_USEC, &since, &until) != 0 ||
	    (filtered = where_or_respond(req, &w)) < 0)
		return;
	if (stat_args_or_respond(req, &a, app_id, since, until, level, &w, filtered, &bounded) != 0)
		return;
	sql_arg_int(&a, limit);
	if ((rows = run_stat_or_respond(req, filtered ? "stats_top_messages_events" : "stats_top_messages",
					&a, bounded, &res)) < 0)
		return;
	body = window_json(since, until);
	json_add_int(body, "limit", limit);
	items = json_object_new_array();
	for (int i = 0; i < rows; i++) {
		struct json_object *item = json_object_new_object();

		json_add_string_len(item, "message", PQgetvalue(res, i, 0),
				    (size_t)PQgetlength(res, i, 0));
		json_add_int(item, "count", sql_int(res, i, 1));
		json_add_time(item, "last_seen", sql_int(res, i, 2));
		json_object_array_add(items, item);
	}
	json_object_object_add(body, "items", items);
	respond_json(req, 200, body);
	json_object_put(body);
	PQclear(res);
}
