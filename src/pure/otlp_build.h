/* otlp_build: what the protobuf and the JSON decoders of otlp.h share: the
 * bounded memory they draw on, and the checks and copies every value passes
 * through on its way into the neutral form, each refusal naming the path of
 * the value at fault. For otlp.c, otlp_pb.c and otlp_json.c only. */
#ifndef TELLTALE_OTLP_BUILD_H
#define TELLTALE_OTLP_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "pure/error.h"
#include "pure/otlp.h"

/* The memory of one decode, counted as it is taken and given back: each
 * block as malloc holds it (the request, a header and malloc's own word,
 * rounded to 16 bytes). A request that would pass cap is refused. */
struct otlp_budget {
	size_t used, peak, cap;
	int over;                   /* a request was refused for the cap */
	int no_memory;              /* malloc failed */
};

/* Memory handed out from the front of blocks drawn from a budget; nothing is
 * given back before the whole arena is. */
struct otlp_arena {
	struct otlp_budget *budget;
	struct otlp_chunk *chunks;
	char *next;
	size_t left;
};

/* What an export owns: its arena, and the budget the whole decode drew on. */
struct otlp_store {
	struct otlp_budget budget;
	struct otlp_arena arena;
};

/* malloc and free under the budget: NULL when the cap or malloc refuses. */
void *otlp_budget_alloc(struct otlp_budget *b, size_t size);
void otlp_budget_free(struct otlp_budget *b, void *p);

/* size bytes aligned to align (a power of two, at most max_align_t's), or
 * NULL when the budget refuses. */
void *otlp_arena_alloc(struct otlp_arena *a, size_t size, size_t align);

/* Gives all of the arena's blocks back; it may be used again. */
void otlp_arena_release(struct otlp_arena *a);

/* A path step: name[index], or name alone when index is OTLP_NO_INDEX. */
#define OTLP_NO_INDEX ((size_t)-1)
#define OTLP_PATH_MAX 64

struct otlp_step {
	const char *name;
	size_t index;
};

/* One decode in progress. */
struct otlp_builder {
	struct otlp_store *store;
	struct error *err;
	size_t items;                           /* counted against OTLP_MAX_ITEMS */
	int depth;                              /* steps on the path, may pass OTLP_PATH_MAX */
	struct otlp_step path[OTLP_PATH_MAX];
};

/* Starts a decode of a body of len bytes into *out (emptied). Returns 0, or
 * -1 with *err filled (no memory) and nothing left to free. */
int otlp_begin(struct otlp_builder *b, size_t len, struct otlp_export *out, struct error *err);

/* Ends it: after rc 0 *out gets the store and the figures; after -1 the
 * store goes. Returns rc. */
int otlp_end(struct otlp_builder *b, struct otlp_export *out, int rc);

void otlp_push(struct otlp_builder *b, const char *name, size_t index);
void otlp_pop(struct otlp_builder *b);

/* 400 BAD_REQUEST with the path (and leaf after it, when not NULL) as the
 * field. Returns -1. */
int otlp_fail(struct otlp_builder *b, const char *leaf, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The refusal for a failed allocation: 400 past the memory bound, 500 when
 * malloc failed. Returns -1. */
int otlp_fail_memory(struct otlp_builder *b);

/* n zeroed elements of size bytes, aligned to align, from the arena; NULL
 * with the error set when the memory is refused. n may be 0. */
void *otlp_new_array(struct otlp_builder *b, size_t n, size_t size, size_t align);
#define OTLP_NEW(b, n, type) ((type *)otlp_new_array((b), (n), sizeof(type), _Alignof(type)))

/* Counts n more items against OTLP_MAX_ITEMS. Returns 0, or -1. */
int otlp_count(struct otlp_builder *b, size_t n);

/* Copies s[0..len) into the arena as text, refusing it (at leaf) unless it
 * is valid UTF-8 without NUL. Returns 0, or -1. */
int otlp_copy_text(struct otlp_builder *b, const char *leaf, const char *s, size_t len,
		   struct otlp_text *out);

/* Copies bytes as they are. Returns 0, or -1. */
int otlp_copy_bytes(struct otlp_builder *b, const void *s, size_t len, struct otlp_text *out);

/* A time at leaf: at most OTLP_TIME_MAX. Returns 0, or -1. */
int otlp_check_time(struct otlp_builder *b, const char *leaf, uint64_t ns);

/* An enum at leaf: one of desc's values. Returns 0, or -1. */
int otlp_check_enum(struct otlp_builder *b, const char *leaf, const ProtobufCEnumDescriptor *desc,
		    int64_t value);

/* The refusal of a value at leaf that is none of desc's. Returns -1. */
int otlp_fail_enum(struct otlp_builder *b, const char *leaf, const ProtobufCEnumDescriptor *desc);

/* Whether an id must be there (a span's own ids) or may be absent. */
enum otlp_id_rule {
	OTLP_ID_REQUIRED,       /* exactly size bytes, not all zeros */
	OTLP_ID_OPTIONAL,       /* also empty or all zeros: then "" */
};

/* An id of size bytes (16 or 8) at leaf, from raw bytes or from hex digits of
 * either case, into hex (2 * size + 1 bytes) as lower-case hex. Return 0, or -1. */
int otlp_id_from_bytes(struct otlp_builder *b, const char *leaf, const uint8_t *raw, size_t len,
		       size_t size, enum otlp_id_rule rule, char *hex);
int otlp_id_from_hex(struct otlp_builder *b, const char *leaf, const char *s, size_t len,
		     size_t size, enum otlp_id_rule rule, char *hex);

#endif
