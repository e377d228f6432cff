/* db: the worker's one PostgreSQL connection, its prepared statements, and the
 * reconnect that follows a lost connection. */
#ifndef TELLTALE_DB_H
#define TELLTALE_DB_H

#include <libpq-fe.h>

/* A statement prepared once per connection under its name. */
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
 * {NULL, NULL} row, the list ended by NULL) and tries a first connection. A
 * database that is down is not an error: the first request retries.
 * Returns 0, or -1 on no memory. */
int db_init(const char *conninfo, int statement_timeout_ms,
	    const struct db_statement *const *tables);

/* Runs the prepared statement name with text parameters (NULL is SQL NULL),
 * waiting at most the statement timeout plus one second. On DB_OK *result is
 * the caller's to PQclear; otherwise *result is NULL and the fault is logged.
 * Reconnects first when the connection was lost, with a short back-off. */
enum db_status db_exec(const char *name, int nparams, const char *const *values,
		       PGresult **result);

/* 1 when the database answers a trivial query now. */
int db_ping(void);

/* Closes the connection. */
void db_close(void);

#endif
