/* conns: the FastCGI connections of one worker. nginx keeps its connections to
 * the pool open from one request to the next (fastcgi_keep_conn); a worker
 * holds those it accepted and serves, one request at a time, whichever has a
 * request waiting, or takes a new connection from the pool's listening socket.
 * A connection that nginx did not ask to keep is closed after its request. */
#ifndef TELLTALE_CONNS_H
#define TELLTALE_CONNS_H

#include <fcgiapp.h>

/* Watches LISTEN_FD (non-blocking from now on). 0, or -1 on failure. */
int conns_init(int listen_fd);

/* Waits for the next request and returns it, or NULL once a stop signal has
 * come. Between requests the worker writes its request log and keeps its
 * database connection ready (db_idle_check). */
FCGX_Request *conns_next(void);

/* Ends REQ: its answer is sent, and what nginx still sends of its body is read
 * so that the connection can carry the next request. */
void conns_finish(FCGX_Request *req);

/* Closes every connection. */
void conns_close(void);

#endif
