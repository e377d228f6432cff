/* db: one libpq connection per worker. A statement is prepared on the
 * connection the first time it runs there; every call waits with a deadline
 * so that a database that stops answering costs a request at most the
 * statement timeout plus a second. */
#include "db/db.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

#define BACKOFF_MIN_USEC  100000
#define BACKOFF_MAX_USEC 1000000

static const struct db_statement db_statements[] = {
	{ "db_ping", "SELECT 1" },
	{ NULL, NULL }
};

/* Every statement, by name, with the serial of the connection it was last
 * prepared on (0: none). Prepared when first run, not all at connection: a
 * backend holds each prepared statement's parse tree, about 5 MB for all of
 * a worker's, which one that only ingests never runs. */
struct known {
	const struct db_statement *s;
	unsigned prepared_on;
};

static struct {
	char *conninfo;
	struct known *known;
	size_t known_count;
	char application_name[64];      /* "program[pid]" in pg_stat_activity */
	unsigned serial;                /* counts the connections made */
	int timeout_ms;
	const struct db_statement *const *tables;
	PGconn *conn;
	int64_t next_attempt_usec;
	int64_t backoff_usec;
	int carried_large;              /* parameters past DB_PARAMS_KEPT were sent */
	int in_transaction;             /* between db_begin and db_end */
	int read_only;                  /* every session read-only (db_read_only) */
	int custom_plans;               /* every statement planned for its values */
	int lazy;                       /* no connection before the first statement */
	int disconnected;               /* by db_disconnect: reconnect without a log line */
} db;

/* libpq keeps its send buffer at the size of the largest statement it sent,
 * for as long as the connection lives: one bulk ingest of 10 MiB would leave
 * the worker 16 MiB larger for good. A connection that carried parameters
 * past this size is closed after the request (db_end_request), and the next
 * request connects afresh. */
#define DB_PARAMS_KEPT (1024 * 1024)

static void note_params(int nparams, const char *const *values, const int *lengths,
			const int *formats)
{
	size_t size = 0;

	for (int i = 0; i < nparams; i++)
		size += !values[i] ? 0 : formats && formats[i] ? (size_t)lengths[i] : strlen(values[i]);
	if (size > DB_PARAMS_KEPT)
		db.carried_large = 1;
}

/* The session's settings. Returns 0 or -1. JIT compilation
 * is off: the planner turns it on by estimated cost, and a statistics
 * statement's generic plan, which cannot know that the window's raw edges
 * are narrow, is estimated dear enough that compiling it (tens of
 * milliseconds) would cost every request far more than running it. */
static int setup_session(PGconn *conn)
{
	char sql[256];
	PGresult *res;
	int ok;

	snprintf(sql, sizeof(sql), "SET statement_timeout = %d; SET TimeZone = 'UTC'; SET jit = off%s%s",
		 db.timeout_ms, db.read_only ? "; SET default_transaction_read_only = on" : "",
		 db.custom_plans ? "; SET plan_cache_mode = force_custom_plan" : "");
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_msg("db: session setup: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

static void drop_connection(void)
{
	PQfinish(db.conn);
	db.conn = NULL;
}

/* 1 when an idle connection is still good. A server that restarted or ended
 * the session has already sent its FATAL message and closed the socket, so an
 * idle connection with something to read is read now: libpq would otherwise
 * notice only when the next statement fails, and a request would get a 503
 * that a fresh connection could have served. */
static int connection_alive(void)
{
	struct pollfd pfd = { .fd = PQsocket(db.conn), .events = POLLIN };

	/* The first read may take the FATAL message and leave the end of the
	 * stream for the next one: read while there is something to read. */
	for (int reads = 0; PQstatus(db.conn) == CONNECTION_OK && reads < 8; reads++) {
		if (poll(&pfd, 1, 0) <= 0)
			return 1;
		if (!PQconsumeInput(db.conn)) {
			log_msg("db: connection lost: %s", PQerrorMessage(db.conn));
			return 0;
		}
	}
	return PQstatus(db.conn) == CONNECTION_OK;
}

/* A NOTICE or WARNING the server sent (an alert event that could not be
 * recorded, sql/010): into the log, as one line. */
static void log_notice(void *arg, const char *message)
{
	int len = (int)strcspn(message, "\n");

	(void)arg;
	log_msg("db: %.*s", len, message);
}

/* Connects unless within the back-off after a failed attempt. Returns 0 or -1. */
static int ensure_connected(void)
{
	static const char *const keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *values[] = { "2", db.application_name, db.conninfo, NULL };
	int64_t now = log_now_usec();

	if (db.conn && connection_alive())
		return 0;
	drop_connection();
	if (now < db.next_attempt_usec)
		return -1;
	db.conn = PQconnectdbParams(keys, values, 1);
	PQsetNoticeProcessor(db.conn, log_notice, NULL);
	if (PQstatus(db.conn) == CONNECTION_OK && setup_session(db.conn) == 0) {
		db.backoff_usec = BACKOFF_MIN_USEC;
		db.serial++;
		if (!db.disconnected)
			log_msg("db: connected");
		db.disconnected = 0;
		return 0;
	}
	/* An idle worker retries by itself (db_idle_check): one line per outage,
	 * not one per attempt. */
	if (db.backoff_usec == BACKOFF_MIN_USEC)
		log_msg("db: cannot connect, retrying: %s", PQerrorMessage(db.conn));
	db.disconnected = 0;            /* the connection that comes back is news */
	drop_connection();
	db.next_attempt_usec = log_now_usec() + db.backoff_usec;
	if (db.backoff_usec < BACKOFF_MAX_USEC)
		db.backoff_usec *= 2;
	return -1;
}

/* ensure_connected, but inside a transaction only the connection it began
 * on will do. */
static int usable(void)
{
	if (db.in_transaction)
		return db.conn && connection_alive() ? 0 : -1;
	return ensure_connected();
}

void db_read_only(void)
{
	db.read_only = 1;
}

void db_custom_plans(void)
{
	db.custom_plans = 1;
}

void db_connect_lazily(void)
{
	db.lazy = 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->s->name, ((const struct known *)b)->s->name);
}

static void add_known(const struct db_statement *table, size_t *n)
{
	for (const struct db_statement *s = table; s->name; s++) {
		if (db.known)
			db.known[*n].s = s;
		(*n)++;
	}
}

/* db.known: db_statements and the tables' statements, sorted by name.
 * Returns 0, or -1 on no memory. */
static int index_statements(void)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		add_known(db_statements, &n);
		for (size_t i = 0; db.tables[i]; i++)
			add_known(db.tables[i], &n);
		if (pass == 0 && !(db.known = calloc(n, sizeof(*db.known))))
			return -1;
	}
	db.known_count = n;
	qsort(db.known, n, sizeof(*db.known), by_name);
	return 0;
}

static struct known *find_known(const char *name)
{
	struct db_statement s = { name, NULL };
	struct known key = { &s, 0 };

	return bsearch(&key, db.known, db.known_count, sizeof(*db.known), by_name);
}

int db_init(const char *program, const char *conninfo, int statement_timeout_ms,
	    const struct db_statement *const *tables)
{
	snprintf(db.application_name, sizeof(db.application_name), "%s[%ld]",
		 program, (long)getpid());
	db.conninfo = strdup(conninfo ? conninfo : "");
	if (!db.conninfo)
		return -1;
	db.timeout_ms = statement_timeout_ms;
	db.tables = tables;
	if (index_statements() != 0)
		return -1;
	db.backoff_usec = BACKOFF_MIN_USEC;
	if (!db.lazy)
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
		if (n > 0 && !PQconsumeInput(db.conn)) {
			log_msg("db: connection lost: %s", PQerrorMessage(db.conn));
			return -1;
		}
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
			if (PQstatus(db.conn) == CONNECTION_OK)
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

/* Prepares k on the connection unless it is there already. */
static enum db_status prepared(struct known *k)
{
	PGresult *res;
	enum db_status status;

	if (k->prepared_on == db.serial)
		return DB_OK;
	if (!PQsendPrepare(db.conn, k->s->name, k->s->sql, 0, NULL)) {
		log_msg("db: prepare %s: %s", k->s->name, PQerrorMessage(db.conn));
		drop_connection();
		return DB_UNAVAILABLE;
	}
	if (!(res = collect_result())) {
		drop_connection();
		return DB_UNAVAILABLE;
	}
	status = classify(res, k->s->name);
	PQclear(res);
	if (status == DB_OK)
		k->prepared_on = db.serial;
	else if (status == DB_UNAVAILABLE)
		drop_connection();
	return status == DB_CONFLICT ? DB_ERROR : status;
}

enum db_status db_exec(const char *name, int nparams, const char *const *values,
		       PGresult **result)
{
	return db_exec_binary(name, nparams, values, NULL, NULL, result);
}

enum db_status db_exec_binary(const char *name, int nparams, const char *const *values,
			      const int *lengths, const int *formats, PGresult **result)
{
	struct known *k = find_known(name);
	PGresult *res;
	enum db_status status;

	*result = NULL;
	if (!k) {
		log_msg("db: no statement %s", name);
		return DB_ERROR;
	}
	if (usable() != 0)
		return DB_UNAVAILABLE;
	if ((status = prepared(k)) != DB_OK)
		return status;
	note_params(nparams, values, lengths, formats);
	if (!PQsendQueryPrepared(db.conn, name, nparams, values, lengths, formats, 0)) {
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

int db_prepare_all(void)
{
	if (usable() != 0)
		return -1;
	for (size_t i = 0; i < db.known_count; i++)
		if (prepared(&db.known[i]) != DB_OK)
			return -1;
	return (int)db.known_count;
}

int db_ping(void)
{
	PGresult *res = NULL;
	enum db_status st = db_exec("db_ping", 0, NULL, &res);

	PQclear(res);
	return st == DB_OK;
}

void db_end_request(void)
{
	if (db.carried_large && db.conn)
		drop_connection();
	db.carried_large = 0;
}

/* An idle connection is watched, so that a worker notices a server that ended
 * the session before a request does; a worker without one retries when its
 * back-off ends, so that it is ready when load reaches it. */
int db_idle_socket(unsigned *serial)
{
	*serial = db.serial;
	return db.conn ? PQsocket(db.conn) : -1;
}

/* Whether an idle worker should hold a connection: not a lazy one that has
 * never needed one (db_connect_lazily). */
static int connection_wanted(void)
{
	return !db.lazy || db.serial > 0;
}

int db_idle_timeout_ms(void)
{
	int64_t left;

	if (db.conn || !connection_wanted())
		return -1;
	left = db.next_attempt_usec - log_now_usec();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

void db_idle_check(void)
{
	if (connection_wanted())
		ensure_connected();
}

void db_disconnect(void)
{
	drop_connection();
	db.disconnected = 1;
}

void db_close(void)
{
	drop_connection();
	free(db.conninfo);
	db.conninfo = NULL;
}

enum db_status db_begin(void)
{
	enum db_status st = db_exec_sql("BEGIN");

	db.in_transaction = st == DB_OK;
	return st;
}

enum db_status db_end(int commit)
{
	enum db_status st = DB_UNAVAILABLE;

	if (db.conn)
		st = db_exec_sql(commit ? "COMMIT" : "ROLLBACK");
	db.in_transaction = 0;
	return st;
}

/* --- LISTEN for the notifier ----------------------------------------------- */

enum db_status db_exec_sql(const char *sql)
{
	PGresult *res;
	enum db_status status;

	if (usable() != 0)
		return DB_UNAVAILABLE;
	if (!PQsendQuery(db.conn, sql)) {
		log_msg("db: %s: %s", sql, PQerrorMessage(db.conn));
		drop_connection();
		return DB_UNAVAILABLE;
	}
	res = collect_result();
	if (!res) {
		drop_connection();
		return DB_UNAVAILABLE;
	}
	status = classify(res, sql);
	PQclear(res);
	if (status == DB_UNAVAILABLE)
		drop_connection();
	return status;
}

/* Frees the notifications libpq holds. Returns how many there were. */
static int drain_notifications(void)
{
	PGnotify *n;
	int count = 0;

	while ((n = PQnotifies(db.conn)) != NULL) {
		PQfreemem(n);
		count++;
	}
	return count;
}

int db_wait_notification(int timeout_ms)
{
	struct pollfd pfd;
	int count;

	if (!db.conn || PQstatus(db.conn) != CONNECTION_OK) {
		poll(NULL, 0, timeout_ms);
		return -1;
	}
	/* A notification may have come in with the answer to a statement. */
	if ((count = drain_notifications()) > 0)
		return count;
	pfd.fd = PQsocket(db.conn);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (!PQconsumeInput(db.conn)) {
		log_msg("db: connection lost: %s", PQerrorMessage(db.conn));
		drop_connection();
		return -1;
	}
	return drain_notifications();
}
