/* routes: routes are patterns of path segments; "*" matches any one segment and
 * the handler reads it from req->segments. */
#include "api/routes.h"

#include <string.h>

#include "api/alerts.h"
#include "api/apps.h"
#include "api/events.h"
#include "api/health.h"
#include "api/logs.h"
#include "api/metrics.h"
#include "api/replay.h"
#include "http/response.h"
#include "api/sentry.h"
#include "api/service_keys.h"
#include "api/services.h"
#include "api/stats.h"

struct route {
	const char *method;
	const char *pattern;       /* "/apps/ * /events" without the spaces */
	handler_fn *handler;
};

static const struct route routes[] = {
	{ "GET",    "/v1/health",                     health_get },
	{ "GET",    "/apps",                          apps_list },
	{ "POST",   "/apps/*",                        apps_create },
	{ "GET",    "/apps/*",                        apps_get },
	{ "DELETE", "/apps/*",                        apps_delete },
	{ "POST",   "/apps/*/ingest-key",             apps_rotate_key },
	{ "POST",   "/apps/*/events",                 events_create },
	{ "GET",    "/apps/*/events",                 events_list },
	{ "GET",    "/apps/*/events/*",               events_get },
	{ "GET",    "/apps/*/stats/timeseries",       stats_timeseries },
	{ "GET",    "/apps/*/stats/by-level",         stats_by_level },
	{ "GET",    "/apps/*/stats/top-messages",     stats_top_messages },
	{ "POST",    "/api/*/store",                  sentry_store },
	{ "OPTIONS", "/api/*/store",                  sentry_preflight },
	{ "POST",    "/api/*/envelope",               sentry_envelope },
	{ "OPTIONS", "/api/*/envelope",               sentry_preflight },
	{ "POST",   "/v1/services",                   services_create },
	{ "GET",    "/v1/services",                   services_list },
	{ "GET",    "/v1/services/*",                 services_get },
	{ "DELETE", "/v1/services/*",                 services_delete },
	{ "POST",   "/v1/services/*/keys",            service_keys_create },
	{ "GET",    "/v1/services/*/keys",            service_keys_list },
	{ "DELETE", "/v1/services/*/keys/*",          service_keys_revoke },
	{ "POST",   "/v1/logs",                       logs_create },
	{ "GET",    "/v1/logs",                       logs_list },
	{ "GET",    "/v1/logs/*",                     logs_get },
	{ "GET",    "/v1/metrics",                    metrics_get },
	{ "POST",   "/v1/logs/*/replay",              replay_create },
	{ "GET",    "/v1/logs/*/replays",             replay_list },
	{ "POST",   "/v1/alerts",                     alerts_create },
	{ "GET",    "/v1/alerts",                     alerts_list },
	{ "GET",    "/v1/alerts/*",                   alerts_get },
	{ "DELETE", "/v1/alerts/*",                   alerts_delete },
	{ "GET",    "/v1/alerts/*/events",            alerts_events },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/* 1 when the request's segments fit pattern; literal segments compare decoded. */
static int matches(const struct request *req, const char *pattern)
{
	size_t i = 0;

	for (const char *p = pattern + 1; ; i++) {
		size_t n = strcspn(p, "/");

		if (i == req->nsegments)
			return 0;
		if (!(n == 1 && *p == '*') &&
		    (req->segments[i].len != n || memcmp(req->segments[i].text, p, n) != 0))
			return 0;
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return i + 1 == req->nsegments;
}

void router_dispatch(struct request *req)
{
	char allow[64] = "";

	if (req->malformed_path) {
		respond_error(req, 400, "BAD_REQUEST", NULL, "malformed path");
		return;
	}
	for (size_t i = 0; i < NROUTES; i++) {
		if (!matches(req, routes[i].pattern))
			continue;
		if (strcmp(req->method, routes[i].method) == 0) {
			routes[i].handler(req);
			return;
		}
		if (!strstr(allow, routes[i].method)) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, routes[i].method);
		}
	}
	if (*allow)
		respond_method_not_allowed(req, allow);
	else
		respond_error(req, 404, "NOT_FOUND", NULL, "no such resource");
}
