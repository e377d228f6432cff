/* replica: the read replica's part in a request (docs/scaling.md, "A read
 * replica"). With DATABASE_READ_URL, nginx sends the GETs of the read routes
 * (lists, searches, statistics, metrics) to a pool of read workers connected
 * to the replica; every other request goes to the main pool, on the primary.
 *
 * A read worker answers only what the replica can answer as the primary
 * would; for anything else it passes the request back to nginx, which sends
 * it to the main pool (a 421 with X-Accel-Redirect: @primary). A change made
 * on the main pool answers the primary's WAL position after it (a header and
 * a short-lived cookie), and a read that carries a position the replica has
 * not replayed yet is passed on: callers see their own writes. */
#ifndef TELLTALE_REPLICA_H
#define TELLTALE_REPLICA_H

#include <json-c/json.h>

#include "db/db.h"
#include "http/request.h"

/* The header and the cookie that carry a change's WAL position. */
#define REPLICA_HEADER "Telltale-LSN"
#define REPLICA_COOKIE "telltale_lsn"
/* How long the cookie lasts: longer than any lag a replica in service has. */
#define REPLICA_COOKIE_SECONDS 300

extern const struct db_statement replica_statements[];

/* Reads TELLTALE_READ_ONLY (1: this worker is a read worker, on the replica)
 * and TELLTALE_READ_REPLICA (1: a read pool runs beside this main worker).
 * Call before db_init: a read worker's sessions are read-only. */
void replica_init(void);

/* 1 on a read worker. */
int replica_read_only(void);

/* 1 on a main worker beside a read pool: its changes are marked. */
int replica_marks_changes(void);

/* Passes the request to the main pool: nginx takes the answer's
 * X-Accel-Redirect to its location @primary. reason goes to the log. Returns
 * -1, as the _or_respond helpers do. */
int replica_pass_to_primary(struct request *req, const char *reason);

/* On a read worker: 1 when the request carries a WAL position (header or
 * cookie) that the replica has not replayed yet, or when the replica cannot
 * say; 0 when it has, or when the request carries none (a position that does
 * not parse counts as none). */
int replica_caller_behind(struct request *req);

/* On a main worker beside a read pool: adds the primary's WAL position to a
 * held 2xx answer to a change (the header and the cookie). Anything else, or
 * no position to be had, leaves the answer as it is. */
void replica_mark_written(struct request *req);

/* For /v1/health beside a read pool: adds "replica": {"status", "lag_seconds",
 * "lag_bytes"} to body, as the primary sees its standbys; nothing when no
 * read pool runs. Returns 0, or -1 when the database did not answer. */
int replica_health(struct json_object *body);

#endif
