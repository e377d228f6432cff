/* db: the worker's one PostgreSQL connection, its prepared statements, and the
 * reconnect that follows a lost connection. */
#ifndef TELLTALE_DB_H
#define TELLTALE_DB_H

#include <libpq-fe.h>

/* A statement prepared under its name on each connection that runs it. */
struct db_statement {
	const char *name;
	const char *sql;
};

/* The outcome of a statement. */
enum db_status {
	DB_OK,            /* *result holds the answer */
	DB_UNAVAILABLE,   /* no connection, lost it, or timed out: answer 503 */
	DB_CONFLICT,      /* a unique constraint refused the row */
	DB_ERROR,         /* anything else: a bug, logged; answer 500 */
};

/* Remembers the conninfo and the statements (tables of db_statement ended by a
 * {NULL, NULL} row, the list ended by NULL) and, unless db_connect_lazily was
 * called, tries a first connection, named "program[pid]" in pg_stat_activity.
 * A database that is down is not an error: the worker retries. Returns 0, or
 * -1 on no memory. */
int db_init(const char *program, const char *conninfo, int statement_timeout_ms,
	    const struct db_statement *const *tables);

/* Has every statement of every session planned for its values, never once
 * for all (plan_cache_mode): for a program whose statements name a
 * partition by a parameter. PostgreSQL would try a generic plan after five
 * runs, planning every partition, which then stay in the backend's caches
 * (several MB) whichever plan it keeps. Call before db_init. */
void db_custom_plans(void);

/* Makes no connection until the first statement: for a pool whose requests
 * are rare, whose idle sessions would each hold a backend's memory. Once it
 * has connected, it reconnects between requests like any other. Call before
 * db_init. */
void db_connect_lazily(void);

/* Prepares every statement on the connection now, as a check that each one
 * suits the schema (a statement is otherwise prepared when it first runs).
 * Returns how many, or -1 after logging the first that failed. */
int db_prepare_all(void);

/* Makes every session read-only (default_transaction_read_only), for a
 * worker that must write nothing even where its server would let it: a read
 * worker pointed at a primary by mistake. Call before db_init. */
void db_read_only(void);

/* Runs the prepared statement name with text parameters (NULL is SQL NULL),
 * waiting at most the statement timeout plus one second. On DB_OK *result is
 * the caller's to PQclear; otherwise *result is NULL and the fault is logged.
 * Reconnects first when the connection was lost, with a short back-off. */
enum db_status db_exec(const char *name, int nparams, const char *const *values,
		       PGresult **result);

/* db_exec with some parameters in binary: where formats[i] is 1, values[i]
 * is lengths[i] bytes in the parameter type's binary form. */
enum db_status db_exec_binary(const char *name, int nparams, const char *const *values,
			      const int *lengths, const int *formats, PGresult **result);

/* 1 when the database answers a trivial query now. */
int db_ping(void);

/* For a worker between requests. db_idle_socket returns the connection's
 * socket (-1 without one) and sets *serial, which changes with each new
 * connection; the socket is readable when the server sent something (most
 * likely that it ended the session). db_idle_timeout_ms returns how long until
 * a reconnection is due (-1: never, there is a connection, or a lazy one was
 * never made). When either comes, db_idle_check reads what came and
 * reconnects if the connection is gone. */
int db_idle_socket(unsigned *serial);
int db_idle_timeout_ms(void);
void db_idle_check(void);

/* A transaction around several statements: db_begin, then db_end with
 * commit 1 (COMMIT) or 0 (ROLLBACK). While one is open a lost connection is
 * not replaced, since what followed would run outside it: every statement
 * until db_end answers DB_UNAVAILABLE, and so does db_end. */
enum db_status db_begin(void);
enum db_status db_end(int commit);

/* Closes the connection; the next statement connects again. For a program
 * that runs seldom: an idle backend keeps the caches of everything it read. */
void db_disconnect(void);

/* Closes the connection. */
void db_close(void);

/* Called after each request: closes a connection that carried a very large
 * statement, so that libpq's buffers do not keep its size (see db.c). */
void db_end_request(void);

/* For telltale-notifier. db_exec_sql runs sql, which takes no parameters and
 * need not be preparable (LISTEN), and drops the answer; like db_exec
 * otherwise. db_wait_notification waits up to timeout_ms for a NOTIFY on a
 * channel the connection listens on and returns how many came (0 on a
 * timeout or a signal), or -1 when there is no connection (it has slept the
 * timeout: the next db_ call reconnects). */
enum db_status db_exec_sql(const char *sql);
int db_wait_notification(int timeout_ms);

#endif
