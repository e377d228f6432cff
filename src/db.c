/* db: one libpq connection per worker. Statements are prepared once per
 * connection; every call waits with a deadline so that a database that stops
 * answering costs a request at most the statement timeout plus a second. */
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define BACKOFF_MIN_USEC  100000
#define BACKOFF_MAX_USEC 1000000

static const struct db_statement db_statements[] = {
	{ "db_ping", "SELECT 1" },
	{ NULL, NULL }
};

static struct {
	char *conninfo;
	int timeout_ms;
	const struct db_statement *const *tables;
	PGconn *conn;
	int64_t next_attempt_usec;
	int64_t backoff_usec;
} db;

static int prepare_table(PGconn *conn, const struct db_statement *table)
{
	for (const struct db_statement *s = table; s->name; s++) {
		PGresult *res = PQprepare(conn, s->name, s->sql, 0, NULL);
		int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

		if (!ok)
			log_msg("db: prepare %s: %s", s->name, PQresultErrorMessage(res));
		PQclear(res);
		if (!ok)
			return -1;
	}
	return 0;
}

/* Session settings, then every statement. Returns 0 or -1. */
static int setup_session(PGconn *conn)
{
	char sql[128];
	PGresult *res;
	int ok;

	snprintf(sql, sizeof(sql), "SET statement_timeout = %d; SET TimeZone = 'UTC'",
		 db.timeout_ms);
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_msg("db: session setup: %s", PQresultErrorMessage(res));
	PQclear(res);
	if (!ok || prepare_table(conn, db_statements) != 0)
		return -1;
	for (size_t i = 0; db.tables[i]; i++)
		if (prepare_table(conn, db.tables[i]) != 0)
			return -1;
	return 0;
}

static void drop_connection(void)
{
	PQfinish(db.conn);
	db.conn = NULL;
}

/* Connects unless within the back-off after a failed attempt. Returns 0 or -1. */
static int ensure_connected(void)
{
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *values[] = { "2", "telltale-worker", db.conninfo, NULL };
	int64_t now = log_now_usec();

	if (db.conn && PQstatus(db.conn) == CONNECTION_OK)
		return 0;
	drop_connection();
	if (now < db.next_attempt_usec)
		return -1;
	db.conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(db.conn) == CONNECTION_OK && setup_session(db.conn) == 0) {
		db.backoff_usec = BACKOFF_MIN_USEC;
		log_msg("db: connected");
		return 0;
	}
	log_msg("db: cannot connect: %s", PQerrorMessage(db.conn));
	drop_connection();
	db.next_attempt_usec = log_now_usec() + db.backoff_usec;
	if (db.backoff_usec < BACKOFF_MAX_USEC)
		db.backoff_usec *= 2;
	return -1;
}

int db_init(const char *conninfo, int statement_timeout_ms,
	    const struct db_statement *const *tables)
{
	db.conninfo = strdup(conninfo ? conninfo : "");
	if (!db.conninfo)
		return -1;
	db.timeout_ms = statement_timeout_ms;
	db.tables = tables;
	db.backoff_usec = BACKOFF_MIN_USEC;
	ensure_connected();
	return 0;
}

/* Waits for the input libpq needs, until the deadline. Returns 0 or -1. */
static int wait_readable(int64_t deadline_usec)
{
	struct pollfd pfd = { .fd = PQsocket(db.conn), .events = POLLIN };

	while (PQisBusy(db.conn)) {
		int64_t left_ms = (deadline_usec - log_now_usec()) / 1000;
		int n;

		if (left_ms <= 0)
			return -1;
		n = poll(&pfd, 1, (int)left_ms);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && !PQconsumeInput(db.conn))
			return -1;
	}
	return 0;
}

/* Collects the statement's results, keeping the last. Returns it or NULL. */
static PGresult *collect_result(void)
{
	int64_t deadline = log_now_usec() + ((int64_t)db.timeout_ms + 1000) * 1000;
	PGresult *last = NULL, *res;

	for (;;) {
		if (wait_readable(deadline) != 0) {
			PQclear(last);
			log_msg("db: no answer before the deadline");
			return NULL;
		}
		res = PQgetResult(db.conn);
		if (!res)
			return last;
		PQclear(last);
		last = res;
	}
}

/* SQLSTATEs that mean the server is going away or overloaded, not a bad query. */
static int sqlstate_unavailable(const char *state)
{
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	       strncmp(state, "57P", 3) == 0 || strcmp(state, "57014") == 0;
}

static enum db_status classify(PGresult *res, const char *name)
{
	ExecStatusType st = PQresultStatus(res);
	const char *state;

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return DB_OK;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		state = "";
	if (strcmp(state, "23505") == 0)
		return DB_CONFLICT;
	log_msg("db: %s: %s", name, PQresultErrorMessage(res));
	if (PQstatus(db.conn) != CONNECTION_OK || sqlstate_unavailable(state))
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

enum db_status db_exec(const char *name, int nparams, const char *const *values,
		       PGresult **result)
{
	PGresult *res;
	enum db_status status;

	*result = NULL;
	if (ensure_connected() != 0)
		return DB_UNAVAILABLE;
	if (!PQsendQueryPrepared(db.conn, name, nparams, values, NULL, NULL, 0)) {
		log_msg("db: %s: %s", name, PQerrorMessage(db.conn));
		drop_connection();
		return DB_UNAVAILABLE;
	}
	res = collect_result();
	if (!res) {
		drop_connection();
		return DB_UNAVAILABLE;
	}
	status = classify(res, name);
	if (status == DB_OK)
		*result = res;
	else
		PQclear(res);
	if (status == DB_UNAVAILABLE)
		drop_connection();
	return status;
}

int db_ping(void)
{
	PGresult *res = NULL;
	enum db_status st = db_exec("db_ping", 0, NULL, &res);

	PQclear(res);
	return st == DB_OK;
}

void db_close(void)
{
	drop_connection();
	free(db.conninfo);
	db.conninfo = NULL;
}
