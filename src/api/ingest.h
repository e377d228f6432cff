/* ingest: the one way events go into the database, whatever they arrived by
 * (POST /apps/{app_id}/events, Sentry's store and envelope endpoints). The key
 * check and the insert are one statement, so an ingest costs one round trip;
 * a bulk is the same statement with more rows, and one transaction. */
#ifndef TELLTALE_INGEST_H
#define TELLTALE_INGEST_H

#include <stdint.h>

#include <libpq-fe.h>

#include "db/db.h"
#include "pure/error.h"
#include "pure/event_input.h"
#include "pure/mask.h"

extern const struct db_statement ingest_statements[];

/* Stores rows for application app_id if key_digest is its ingest key's
 * SHA-256 hex. Returns 0 with *res (the caller's to PQclear) holding one row
 * per item, in order: i, id, received_us, created ('t' new, 'f' an event_id
 * already stored); with no row at all when the application or key is wrong.
 * Returns -1 with *err filled (503 or 500) when the database failed. */
int ingest_store(int64_t app_id, const char *key_digest, struct event_rows *rows,
		 PGresult **res, struct error *err);

/* 1 when key_digest opens application app_id, 0 when not; -1 with *err
 * filled when the database failed. */
int ingest_key_valid(int64_t app_id, const char *key_digest, struct error *err);

/* Checks, before the body is read, that key_digest opens application app_id:
 * from what this worker learnt in the last second, else with the database.
 * Returns 0 with the application's mask fields in *fields (when not NULL),
 * or -1 with *err: 403 for a wrong key, 503 or 500. */
int ingest_key_known(int64_t app_id, const char *key_digest, struct mask_fields *fields,
		     struct error *err);

/* For ingest that names no application: checks, before the body is read,
 * that key_digest is an application's ingest key, from what this worker
 * learnt in the last second, else with the database. Returns 0 with the
 * application's id in *app_id and its mask fields in *fields, or -1 with
 * *err: 401 for a key no application has, 503 or 500. */
int ingest_app_known(const char *key_digest, int64_t *app_id, struct mask_fields *fields,
		     struct error *err);

/* A body refused with *err: 403 FORBIDDEN takes its place when the key is
 * wrong (a stranger learns nothing about their body), 503 when the database
 * cannot say. Always returns -1. */
int ingest_refuse(int64_t app_id, const char *key_digest, struct error *err);

/* Fills *err with the 403 of a wrong application or key. Returns -1. */
int ingest_wrong_key(struct error *err);

#endif
