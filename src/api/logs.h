/* logs: /v1 request logs: ingest, search, one log. */
#ifndef TELLTALE_LOGS_H
#define TELLTALE_LOGS_H

#include <json-c/json.h>

#include "db/db.h"
#include "http/request.h"
#include "pure/error.h"
#include "pure/keys.h"
#include "pure/log_input.h"
#include "pure/mask.h"

extern const struct db_statement logs_statements[];

void logs_create(struct request *req);
void logs_list(struct request *req);
void logs_get(struct request *req);

/* Checks, before the body is read, that digest is an active service key's:
 * from what this worker learnt in the last second, else with the database.
 * Returns 0 with the service's mask fields in *fields, or -1 with *err: 401
 * for an unknown or revoked key, 503 or 500. */
int logs_key_known(const char *digest, struct mask_fields *fields, struct error *err);

/* The row to store of a parsed log: masked by the built-in names and
 * fields. A new object (the caller puts it), or NULL on no memory. */
struct json_object *logs_masked_row(struct log_input *in, const struct mask_fields *fields);

/* Logs stored many at a time, in one statement: rows of logs_masked_row,
 * with the trace and span they came from. */
struct log_batch {
	struct printbuf *text;          /* "[" and the rows so far, unclosed */
	int count;
};

/* Each returns 0, or -1 when out of memory (or, for _store, with *err). */
int logs_batch_init(struct log_batch *b);
/* Adds row, giving it a new id and trace_id and span_id ("" for none). */
int logs_batch_add(struct log_batch *b, struct json_object *row, const char *trace_id,
		   const char *span_id);
/* Stores the rows added so far and empties the batch: 401 when digest is no
 * active key's (nothing stored), 503 or 500. Run inside a transaction, the
 * rows of several batches commit together. */
int logs_batch_store(const char *digest, struct log_batch *b, struct error *err);
void logs_batch_free(struct log_batch *b);

#endif
