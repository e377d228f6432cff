/* routes: the static route table from method and path to handler. */
#ifndef TELLTALE_ROUTES_H
#define TELLTALE_ROUTES_H

#include "http/request.h"

typedef void handler_fn(struct request *req);

/* Finds the handler for req's method and path and runs it, or answers 400 (a
 * malformed path), 404 (no route) or 405 (a route without this method). */
void router_dispatch(struct request *req);

#endif
