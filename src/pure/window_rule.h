/* window_rule: the rules of /v1/alerts with "kind": "window" (a service's
 * request metric over a window) and of /apps/{id}/alerts (an application's
 * event count over a window, or its new and reopened issues), read and
 * checked when they are made or changed: a rule the database takes always
 * evaluates (sql/024). Also the channel_ids every kind of rule may name.
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_WINDOW_RULE_H
#define TELLTALE_WINDOW_RULE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "pure/error.h"
#include "pure/params.h"

#define WINDOW_SECONDS_MIN 60
#define WINDOW_SECONDS_MAX 86400
#define WINDOW_THRESHOLD_MAX 1e12
#define WINDOW_ROUTE_MAX 512
#define WINDOW_CHANNELS_MAX 20

/* Whose metric a rule watches. */
enum window_owner { WINDOW_SERVICE, WINDOW_APPLICATION };

/* The channels a rule notifies: lower-case UUIDs, no two alike. */
struct channel_ids {
	char id[WINDOW_CHANNELS_MAX][PARAMS_UUID_LEN + 1];
	size_t n;
};

/* A rule, checked. Names are static strings; route is lent from the document. */
struct window_rule {
	const char *kind;            /* "window", or "issue" for new_issue and regression */
	const char *metric;
	const char *operator;        /* NULL for an issue rule */
	double threshold;            /* meaningless for an issue rule */
	int64_t window_seconds;      /* 0 for an issue rule */
	const char *route;           /* NULL: any (services only) */
	char method[17];             /* "": any (services only); upper case */
	int64_t min_requests;        /* services only; 0 by default */
	const char *level;           /* NULL: any (applications only) */
	struct channel_ids channels;
};

/* The members of doc for owner, in the order docs/api.md lists them; the first
 * that is missing or wrong fills *err (422 naming it) and returns -1. For a
 * preview (the metric of a rule not made yet), operator and threshold may be
 * left out, channel_ids is not read, and an issue rule is refused. */
int window_rule_from_json(struct json_object *doc, enum window_owner owner, int preview,
			  struct window_rule *out, struct error *err);

/* The optional "channel_ids" of doc into *out (none when absent): 422 naming
 * the member, or the entry ("channel_ids[2]"), unless an array of at most
 * WINDOW_CHANNELS_MAX distinct UUIDs. */
int window_channel_ids_from_json(struct json_object *doc, struct channel_ids *out,
				 struct error *err);

/* "threshold" of doc: a finite number of magnitude at most
 * WINDOW_THRESHOLD_MAX; else 422. */
int window_threshold_from_json(struct json_object *doc, double *out, struct error *err);

/* The array literal of PostgreSQL for ids ("{a,b}"), into out (at least
 * WINDOW_CHANNELS_MAX * 37 + 3 bytes). */
#define WINDOW_CHANNELS_TEXT_MAX (WINDOW_CHANNELS_MAX * (PARAMS_UUID_LEN + 1) + 3)
void window_channel_ids_text(const struct channel_ids *ids, char out[WINDOW_CHANNELS_TEXT_MAX]);

#endif
