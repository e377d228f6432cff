/* router: the static route table from method and path to handler. */
#ifndef TELLTALE_ROUTER_H
#define TELLTALE_ROUTER_H

#include "request.h"

typedef void handler_fn(struct request *req);

/* Finds the handler for req's method and path and runs it, or answers 400 (a
 * malformed path), 404 (no route) or 405 (a route without this method). */
void router_dispatch(struct request *req);

#endif
