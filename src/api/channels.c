/* channels: see channels.h. A channel's URL holds its secret (a Slack,
 * Discord or Teams webhook's token, an ntfy topic), so it is answered only
 * as its origin, "https://hooks.slack.com/…", once it is stored. A webhook
 * channel's signing secret is derived as a rule's is (pure/signature.h) and
 * shown once, when it is made. Deleting a channel takes it out of every
 * rule, and its deliveries, made or not, go with it. */
#include "api/channels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "http/response.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "outbound/deliver.h"
#include "pure/notice.h"

#define CHANNEL_NAME_MAX 128

#define CHANNEL_COLUMNS "c.id, c.name, c.kind, c.url, c.email_to, ts_to_usec(c.created_at)"

enum channel_column { C_ID, C_NAME, C_KIND, C_URL, C_TO, C_CREATED };

const struct db_statement channels_statements[] = {
	{ "channels_create",
	  "INSERT INTO channels AS c (name, kind, url, email_to, secret_nonce)"
	  " VALUES ($1, $2, $3, $4, $5) RETURNING " CHANNEL_COLUMNS },
	{ "channels_list",
	  "SELECT " CHANNEL_COLUMNS " FROM channels c ORDER BY c.created_at, c.id LIMIT $1 OFFSET $2" },
	{ "channels_get", "SELECT " CHANNEL_COLUMNS " FROM channels c WHERE c.id = $1" },
	{ "channels_delete", "DELETE FROM channels WHERE id = $1" },
	{ "channels_target",
	  "SELECT c.kind, c.url, c.email_to, coalesce(c.secret_id, c.id::text), c.secret_nonce, c.name"
	  " FROM channels c WHERE c.id = $1" },
	{ NULL, NULL }
};

/* url's scheme and authority, and "/…" when a path follows, into out. */
static void url_masked(const char *url, char *out, size_t size)
{
	const char *host = strstr(url, "://");
	size_t n = host ? 3 + (size_t)(host - url) + strcspn(host + 3, "/?#") : strlen(url);

	snprintf(out, size, "%.*s%s", (int)n, url, url[n] ? "/…" : "");
}

/* One CHANNEL from a row of CHANNEL_COLUMNS; the caller puts it. */
static struct json_object *channel_json(const PGresult *res, int row)
{
	struct json_object *ch = json_object_new_object();
	char masked[2100];

	json_add_string(ch, "id", PQgetvalue(res, row, C_ID));
	json_add_string(ch, "name", PQgetvalue(res, row, C_NAME));
	json_add_string(ch, "kind", PQgetvalue(res, row, C_KIND));
	if (PQgetisnull(res, row, C_URL)) {
		json_add_null(ch, "url");
	} else {
		url_masked(PQgetvalue(res, row, C_URL), masked, sizeof(masked));
		json_add_string(ch, "url", masked);
	}
	sql_add_text(ch, "to", res, row, C_TO);
	sql_add_time(ch, "created_at", res, row, C_CREATED);
	return ch;
}

/* A channel as read from the body of POST /v1/channels; url and to are lent
 * from the document, name is the caller's to free. */
struct channel_input {
	char *name;
	int kind;
	const char *url, *to;
};

static int kind_or_respond(struct request *req, struct json_object *doc, struct channel_input *in)
{
	struct json_object *v = NULL;

	in->kind = json_object_object_get_ex(doc, "kind", &v) && json_object_is_type(v, json_type_string)
		   ? channel_kind_from_name(json_object_get_string(v)) : -1;
	if (in->kind < 0)
		return respond_error(req, 422, "VALIDATION", "kind",
				     "must be one of webhook, slack, discord, teams, ntfy, email");
	return 0;
}

/* url for the kinds that post, to for email; each required, the other refused. */
static int target_or_respond(struct request *req, struct json_object *doc, struct channel_input *in)
{
	int email = in->kind == CHANNEL_EMAIL;
	const char *given = email ? "url" : "to";

	if (json_object_object_get_ex(doc, given, NULL))
		return respond_error(req, 422, "VALIDATION", given, "is not taken by %s channels",
				     channel_kind_names[in->kind]);
	if (email) {
		if (handler_json_optional_text_or_respond(req, doc, "to", 254, email_address_valid,
							  "must be an e-mail address", &in->to) != 0)
			return -1;
		if (!in->to)
			return respond_error(req, 422, "VALIDATION", "to", "is required");
		return 0;
	}
	if (handler_json_optional_text_or_respond(req, doc, "url", 0, handler_http_url_ok,
						  "must be an absolute http or https URL of at most 2048 characters",
						  &in->url) != 0)
		return -1;
	if (!in->url)
		return respond_error(req, 422, "VALIDATION", "url", "is required");
	return 0;
}

/* POST /v1/channels {"name", "kind", "url" | "to"} */
void channels_create(struct request *req)
{
	struct channel_input in = { .name = NULL };
	struct json_object *doc = NULL, *ch;
	struct sql_args a = { 0 };
	PGresult *res = NULL;
	char nonce[33];
	struct error err;

	if (handler_json_body_or_respond(req, &doc) != 0 || handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_name_or_respond(req, doc, "name", CHANNEL_NAME_MAX, &in.name) != 0 ||
	    kind_or_respond(req, doc, &in) != 0 || target_or_respond(req, doc, &in) != 0)
		goto out;
	if (keys_random_hex(nonce, 16) != 0) {
		respond_internal(req);
		goto out;
	}
	sql_arg_text(&a, in.name);
	sql_arg_text(&a, channel_kind_names[in.kind]);
	sql_arg_text(&a, in.url);
	sql_arg_text(&a, in.to);
	sql_arg_text(&a, in.kind == CHANNEL_WEBHOOK ? nonce : NULL);
	if (handler_exec_or_respond(req, "channels_create", &a, &res) != 0)
		goto out;
	ch = channel_json(res, 0);
	if (in.kind == CHANNEL_WEBHOOK &&
	    handler_add_webhook_secret(ch, PQgetvalue(res, 0, C_ID), nonce, &err) != 0)
		respond_with(req, &err);
	else
		respond_json(req, 201, ch);
	json_object_put(ch);
out:
	PQclear(res);
	free(in.name);
	json_object_put(doc);
}

/* GET /v1/channels?limit&offset */
void channels_list(struct request *req)
{
	struct sql_args a = { 0 };
	PGresult *res = NULL;

	if (handler_query_list_or_respond(req, &a) != 0 ||
	    handler_exec_or_respond(req, "channels_list", &a, &res) != 0)
		return;
	handler_respond_rows(req, res, channel_json);
	PQclear(res);
}

/* Runs stmt on the channel the path names ($1, its id into id). Returns 0,
 * or -1 having answered a malformed id or a database failure. */
static int run_on_channel(struct request *req, const char *stmt, char id[PARAMS_UUID_LEN + 1],
			  PGresult **res)
{
	struct sql_args a = { 0 };

	if (handler_path_uuid_or_respond(req, 2, id) != 0)
		return -1;
	sql_arg_text(&a, id);
	return handler_exec_or_respond(req, stmt, &a, res);
}

/* GET /v1/channels/{id} */
void channels_get(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (run_on_channel(req, "channels_get", id, &res) != 0)
		return;
	handler_respond_row(req, res, channel_json, NULL, "no such channel");
	PQclear(res);
}

/* DELETE /v1/channels/{id} */
void channels_delete(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (run_on_channel(req, "channels_delete", id, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such channel");
	else
		respond_no_content(req);
	PQclear(res);
}

enum target_column { T_KIND, T_URL, T_TO, T_SECRET_ID, T_NONCE, T_NAME };

/* {"delivered", "status_code", "error", "latency_ms"} of a test; the caller puts it. */
static struct json_object *outcome_json(int delivered, const struct deliver_result *r)
{
	struct json_object *body = json_object_new_object();

	json_object_object_add(body, "delivered", json_object_new_boolean(delivered));
	if (r->status_code)
		json_add_int(body, "status_code", r->status_code);
	else
		json_add_null(body, "status_code");
	if (delivered)
		json_add_null(body, "error");
	else
		json_add_string(body, "error", r->error);
	json_object_object_add(body, "latency_ms", json_object_new_double(r->latency_ms));
	return body;
}

/* POST /v1/channels/{id}/test: sends a notice of state "test" now, from the
 * replay pool (it waits on another server for up to 10 s), and answers how
 * it went. Not retried, not recorded. */
void channels_test(struct request *req)
{
	char id[PARAMS_UUID_LEN + 1];
	struct json_object *body;
	struct deliver_result r;
	PGresult *res = NULL;
	int delivered;

	if (run_on_channel(req, "channels_target", id, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such channel");
	} else {
		struct deliver_channel ch = {
			channel_kind_from_name(PQgetvalue(res, 0, T_KIND)),
			PQgetisnull(res, 0, T_URL) ? NULL : PQgetvalue(res, 0, T_URL),
			PQgetisnull(res, 0, T_TO) ? NULL : PQgetvalue(res, 0, T_TO),
		};
		struct deliver_webhook w = { "test", id, 1, PQgetvalue(res, 0, T_SECRET_ID),
					     PQgetisnull(res, 0, T_NONCE) ? "" : PQgetvalue(res, 0, T_NONCE) };
		struct notice n = { .state = "test", .rule_name = "test notification",
				    .rule_kind = "test", .owner_field = "channel_id", .owner_id = id,
				    .owner_name = PQgetvalue(res, 0, T_NAME), .metric = "test",
				    .link = deliver_config_from_env()->public_url, .at_usec = handler_now_usec() };

		delivered = deliver_notice(&ch, &n, NULL, &w, deliver_config_from_env(), &r) == 0;
		body = outcome_json(delivered, &r);
		respond_json(req, 200, body);
		json_object_put(body);
	}
	PQclear(res);
}
