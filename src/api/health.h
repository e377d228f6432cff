/* health: the probe the stack and monitors poll. */
#ifndef TELLTALE_HEALTH_H
#define TELLTALE_HEALTH_H

#include "http/request.h"

void health_get(struct request *req);

#endif
