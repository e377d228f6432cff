/* replica: read workers on a streaming replica, and the WAL positions that
 * let a caller read its own writes. */
#include "api/replica.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "db/args.h"
#include "http/response.h"
#include "pure/json.h"
#include "pure/lsn.h"

/* replica_insert_lsn runs on the primary after a change: the insert position
 * is at or past the change's commit record, and costs no wait. replica_replayed
 * runs on the replica; on a server that is not in recovery it answers NULL,
 * which reads as "cannot say". replica_standbys runs on the primary for
 * /v1/health (pg_stat_replication's lag columns need pg_read_all_stats, which
 * the stack's workers' role has): a standby that has caught up and sees no
 * new WAL shows no lag (NULL), which is none. */
const struct db_statement replica_statements[] = {
	{ "replica_insert_lsn", "SELECT pg_current_wal_insert_lsn()::text" },
	{ "replica_replayed", "SELECT pg_last_wal_replay_lsn()::text" },
	{ "replica_standbys",
	  "SELECT CASE WHEN count(*) = 0 THEN 'down'"
	  " WHEN bool_or(state = 'streaming') THEN 'streaming'"
	  " ELSE coalesce(min(state), 'unknown') END,"
	  " round(coalesce(max(extract(epoch FROM replay_lag)), 0)::numeric, 3)::text,"
	  " coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint::text"
	  " FROM pg_stat_replication" },
	{ NULL, NULL }
};

static struct {
	int read_only;          /* a read worker */
	int beside_replica;     /* a main worker with a read pool beside it */
} replica;

static int env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "1") == 0;
}

void replica_init(void)
{
	replica.read_only = env_flag("TELLTALE_READ_ONLY");
	replica.beside_replica = !replica.read_only && env_flag("TELLTALE_READ_REPLICA");
	if (replica.read_only)
		db_read_only();
}

int replica_read_only(void)
{
	return replica.read_only;
}

int replica_marks_changes(void)
{
	return replica.beside_replica;
}

int replica_pass_to_primary(struct request *req, const char *reason)
{
	struct json_object *body = json_object_new_object();

	log_msg("replica: %s %s to the primary: %s", req->method, req->path ? req->path : "-",
		  reason);
	json_add_string(body, "error", "MISDIRECTED");
	json_add_string(body, "message", "a read worker passes this request to the primary");
	respond_json_with_headers(req, 421, "X-Accel-Redirect: @primary\r\n", body);
	json_object_put(body);
	return -1;
}

/* The caller's WAL position: the header's, else the cookie's. Returns 1 with
 * *lsn set, or 0 (none, or one that does not parse). */
static int caller_position(const struct request *req, uint64_t *lsn)
{
	const char *v = request_param(req, "HTTP_TELLTALE_LSN");
	size_t len;

	if (v && *v)
		return lsn_parse(v, strlen(v), lsn) == 0;
	v = request_cookie(req, REPLICA_COOKIE, &len);
	return v && lsn_parse(v, len, lsn) == 0;
}

int replica_caller_behind(struct request *req)
{
	char text[LSN_TEXT_MAX + 2];
	struct sql_args a = { 0 };
	struct error err;
	uint64_t wanted, replayed;

	if (!caller_position(req, &wanted))
		return 0;
	if (sql_first_text("replica_replayed", &a, text, sizeof(text), &err) != 1 ||
	    lsn_parse(text, strlen(text), &replayed) != 0)
		return 1;
	return replayed < wanted;
}

void replica_mark_written(struct request *req)
{
	char text[LSN_TEXT_MAX + 2], headers[256];
	struct sql_args a = { 0 };
	struct error err;
	uint64_t lsn;

	if (!replica.beside_replica || !req->held || req->status < 200 || req->status > 299)
		return;
	if (sql_first_text("replica_insert_lsn", &a, text, sizeof(text), &err) != 1 ||
	    lsn_parse(text, strlen(text), &lsn) != 0)
		return;
	lsn_format(lsn, text);
	snprintf(headers, sizeof(headers),
		 REPLICA_HEADER ": %s\r\nSet-Cookie: " REPLICA_COOKIE "=%s; HttpOnly; SameSite=Strict;"
		 " Path=/; Max-Age=%d%s\r\n", text, text, REPLICA_COOKIE_SECONDS,
		 req->https ? "; Secure" : "");
	response_add_headers(req, headers);
}

int replica_health(struct json_object *body)
{
	struct json_object *r;
	struct sql_args a = { 0 };
	struct error err;
	PGresult *res = NULL;
	int streaming;

	if (!replica.beside_replica)
		return 0;
	if (sql_run("replica_standbys", &a, &res, &err) != 0)
		return -1;
	r = json_object_new_object();
	streaming = strcmp(PQgetvalue(res, 0, 0), "streaming") == 0;
	json_add_string(r, "status", PQgetvalue(res, 0, 0));
	if (streaming) {
		/* As PostgreSQL rounded it, not as a double prints. */
		json_object_object_add(r, "lag_seconds",
				       json_object_new_double_s(strtod(PQgetvalue(res, 0, 1), NULL),
								PQgetvalue(res, 0, 1)));
		json_add_int(r, "lag_bytes", sql_int(res, 0, 2));
	} else {
		json_add_null(r, "lag_seconds");
		json_add_null(r, "lag_bytes");
	}
	json_object_object_add(body, "replica", r);
	PQclear(res);
	return 0;
}
