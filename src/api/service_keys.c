/* service_keys: the mkey_ keys of a /v1 service. A key is shown once, in the
 * answer that made it; the database keeps its SHA-256 and its first twelve
 * characters. Revoking keeps the row, inactive, so the list still shows it. */
#include "api/service_keys.h"

#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "pure/json.h"
#include "pure/keys.h"
#include "pure/params.h"
#include "http/response.h"

#define KEY_NAME_MAX 128

#define KEY_COLUMNS "k.id, k.service_id, k.name, k.key_prefix, k.is_active, ts_to_usec(k.created_at)"

const struct db_statement service_keys_statements[] = {
	/* No row when the service does not exist. */
	{ "service_keys_create",
	  "INSERT INTO service_keys AS k (service_id, name, key_sha256, key_prefix)"
	  " SELECT id, $2, $3, $4 FROM services WHERE id = $1 RETURNING " KEY_COLUMNS },
	/* No row when the service does not exist; one row of NULLs when it has no key. */
	{ "service_keys_list",
	  "SELECT " KEY_COLUMNS " FROM services s"
	  " LEFT JOIN service_keys k ON k.service_id = s.id"
	  " WHERE s.id = $1 ORDER BY k.created_at, k.id" },
	/* Revoking twice is no error; the first revocation's time stays. */
	{ "service_keys_revoke",
	  "UPDATE service_keys SET is_active = false, revoked_at = coalesce(revoked_at, now())"
	  " WHERE service_id = $1 AND id = $2" },
	{ NULL, NULL }
};

/* One key from a row of KEY_COLUMNS; the caller puts it. */
static struct json_object *key_json(const PGresult *res, int row)
{
	struct json_object *key = json_object_new_object();

	json_add_string(key, "id", PQgetvalue(res, row, 0));
	json_add_string(key, "service_id", PQgetvalue(res, row, 1));
	json_add_string_len(key, "name", PQgetvalue(res, row, 2), (size_t)PQgetlength(res, row, 2));
	json_add_string(key, "key_prefix", PQgetvalue(res, row, 3));
	json_object_object_add(key, "is_active",
			       json_object_new_boolean(*PQgetvalue(res, row, 4) == 't'));
	json_add_time(key, "created_at", sql_int(res, row, 5));
	return key;
}

/* POST /v1/services/{id}/keys {"name"} */
void service_keys_create(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *doc = NULL, *key;
	char service_id[PARAMS_UUID_LEN + 1], raw[KEYS_MKEY_LEN + 1];
	char digest[KEYS_SHA256_HEX_LEN + 1], prefix[KEYS_MKEY_PREFIX_LEN + 1];
	PGresult *res = NULL;
	char *name = NULL;

	if (handler_path_uuid_or_respond(req, 2, service_id) != 0 ||
	    handler_json_body_or_respond(req, &doc) != 0 ||
	    handler_json_object_or_respond(req, doc) != 0 ||
	    handler_json_name_or_respond(req, doc, "name", KEY_NAME_MAX, &name) != 0)
		goto out;
	if (keys_new_mkey(raw) != 0) {
		respond_internal(req);
		goto out;
	}
	keys_sha256_hex(raw, KEYS_MKEY_LEN, digest);
	memcpy(prefix, raw, KEYS_MKEY_PREFIX_LEN);
	prefix[KEYS_MKEY_PREFIX_LEN] = '\0';
	sql_arg_text(&a, service_id);
	sql_arg_text(&a, name);
	sql_arg_text(&a, digest);
	sql_arg_text(&a, prefix);
	if (handler_exec_or_respond(req, "service_keys_create", &a, &res) != 0)
		goto out;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such service");
	} else {
		key = key_json(res, 0);
		json_add_string(key, "raw_key", raw);
		respond_json(req, 201, key);
		json_object_put(key);
	}
out:
	PQclear(res);
	free(name);
	json_object_put(doc);
}

/* GET /v1/services/{id}/keys */
void service_keys_list(struct request *req)
{
	struct sql_args a = { 0 };
	struct json_object *list;
	char service_id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, service_id) != 0)
		return;
	sql_arg_text(&a, service_id);
	if (handler_exec_or_respond(req, "service_keys_list", &a, &res) != 0)
		return;
	if (PQntuples(res) == 0) {
		respond_error(req, 404, "NOT_FOUND", NULL, "no such service");
	} else {
		list = json_object_new_array();
		for (int i = 0; i < PQntuples(res) && !PQgetisnull(res, i, 0); i++)
			json_object_array_add(list, key_json(res, i));
		respond_json(req, 200, list);
		json_object_put(list);
	}
	PQclear(res);
}

/* DELETE /v1/services/{id}/keys/{key_id} */
void service_keys_revoke(struct request *req)
{
	struct sql_args a = { 0 };
	char service_id[PARAMS_UUID_LEN + 1], key_id[PARAMS_UUID_LEN + 1];
	PGresult *res = NULL;

	if (handler_path_uuid_or_respond(req, 2, service_id) != 0 ||
	    handler_path_uuid_or_respond(req, 4, key_id) != 0)
		return;
	sql_arg_text(&a, service_id);
	sql_arg_text(&a, key_id);
	if (handler_exec_or_respond(req, "service_keys_revoke", &a, &res) != 0)
		return;
	if (strcmp(PQcmdTuples(res), "0") == 0)
		respond_error(req, 404, "NOT_FOUND", NULL, "no such key");
	else
		respond_no_content(req);
	PQclear(res);
}
