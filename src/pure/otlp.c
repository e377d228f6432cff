/* otlp: what the two decoders share (otlp_build.h) and the export's helpers.
 * The decoders themselves are otlp_pb.c and otlp_json.c. */
#include "pure/otlp.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pure/hex.h"
#include "pure/otlp_build.h"
#include "pure/utf8.h"

/* The arena asks the budget for blocks of this size; a request above a
 * quarter of it gets a block of its own, so little is left unused. */
#define CHUNK_SIZE (64 * 1024)

struct otlp_chunk {
	struct otlp_chunk *next;
	max_align_t data[];
};

/* What a block costs: the request and its size header, plus the word malloc
 * keeps, rounded up to malloc's 16 bytes. */
union block_header {
	size_t size;
	max_align_t align;
};

static size_t block_cost(size_t size)
{
	return (size + sizeof(union block_header) + sizeof(size_t) + 15) & ~(size_t)15;
}

void *otlp_budget_alloc(struct otlp_budget *b, size_t size)
{
	union block_header *h;

	if (size > SIZE_MAX / 2 || block_cost(size) > b->cap - b->used) {
		b->over = 1;
		return NULL;
	}
	if (!(h = malloc(sizeof(*h) + size))) {
		b->no_memory = 1;
		return NULL;
	}
	h->size = size;
	b->used += block_cost(size);
	if (b->used > b->peak)
		b->peak = b->used;
	return h + 1;
}

void otlp_budget_free(struct otlp_budget *b, void *p)
{
	union block_header *h = p;

	if (!p)
		return;
	h--;
	b->used -= block_cost(h->size);
	free(h);
}

/* A new block of size bytes for the arena's data, put first in its list. */
static struct otlp_chunk *chunk_new(struct otlp_arena *a, size_t size)
{
	struct otlp_chunk *c = otlp_budget_alloc(a->budget, sizeof(*c) + size);

	if (!c)
		return NULL;
	c->next = a->chunks;
	a->chunks = c;
	return c;
}

void *otlp_arena_alloc(struct otlp_arena *a, size_t size, size_t align)
{
	size_t pad = a->next ? (align - ((uintptr_t)a->next & (align - 1))) & (align - 1) : 0;
	struct otlp_chunk *c;
	char *p;

	if (a->next && size <= a->left && pad <= a->left - size) {
		p = a->next + pad;
		a->next = p + size;
		a->left -= pad + size;
		return p;
	}
	/* A large request gets its own block, and the current one stays in use. */
	if (size > CHUNK_SIZE / 4)
		return (c = chunk_new(a, size)) ? c->data : NULL;
	if (!(c = chunk_new(a, CHUNK_SIZE)))
		return NULL;
	a->next = (char *)c->data + size;
	a->left = CHUNK_SIZE - size;
	return c->data;
}

void otlp_arena_release(struct otlp_arena *a)
{
	struct otlp_chunk *c, *next;

	for (c = a->chunks; c; c = next) {
		next = c->next;
		otlp_budget_free(a->budget, c);
	}
	a->chunks = NULL;
	a->next = NULL;
	a->left = 0;
}

static void store_free(struct otlp_store *st)
{
	if (!st)
		return;
	otlp_arena_release(&st->arena);
	free(st);
}

int otlp_begin(struct otlp_builder *b, size_t len, struct otlp_export *out, struct error *err)
{
	struct otlp_store *st;

	memset(out, 0, sizeof(*out));
	memset(b, 0, sizeof(*b));
	b->err = err;
	if (!(st = b->store = calloc(1, sizeof(*st))))
		return error_set(err, 500, ERROR_INTERNAL, NULL, "no memory");
	st->budget.cap = len > (SIZE_MAX - OTLP_MEMORY_BASE) / OTLP_MEMORY_PER_BYTE
				 ? SIZE_MAX
				 : len * OTLP_MEMORY_PER_BYTE + OTLP_MEMORY_BASE;
	st->arena.budget = &st->budget;
	/* The first block, so that even an empty list has an address. */
	if (!otlp_arena_alloc(&st->arena, 0, 1)) {
		otlp_fail_memory(b);
		store_free(st);
		b->store = NULL;
		return -1;
	}
	return 0;
}

int otlp_end(struct otlp_builder *b, struct otlp_export *out, int rc)
{
	if (rc != 0) {
		store_free(b->store);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->items = b->items;
	out->memory_peak = b->store->budget.peak;
	out->store = b->store;
	return 0;
}

void otlp_export_free(struct otlp_export *ex)
{
	store_free(ex->store);
	memset(ex, 0, sizeof(*ex));
}

void otlp_push(struct otlp_builder *b, const char *name, size_t index)
{
	if (b->depth < OTLP_PATH_MAX)
		b->path[b->depth] = (struct otlp_step){ name, index };
	b->depth++;
}

void otlp_pop(struct otlp_builder *b)
{
	b->depth--;
}

/* The path as "a[0].b.c[2]", then leaf, cut to fit out. */
static void render_path(const struct otlp_builder *b, const char *leaf, char *out, size_t size)
{
	size_t used = 0;
	int steps = b->depth < OTLP_PATH_MAX ? b->depth : OTLP_PATH_MAX;

	out[0] = '\0';
	for (int i = 0; i <= steps && used < size - 1; i++) {
		struct otlp_step s = i < steps ? b->path[i] : (struct otlp_step){ leaf, OTLP_NO_INDEX };
		int n;

		if (!s.name)
			continue;
		if (s.index == OTLP_NO_INDEX)
			n = snprintf(out + used, size - used, "%s%s", used ? "." : "", s.name);
		else
			n = snprintf(out + used, size - used, "%s%s[%zu]", used ? "." : "", s.name, s.index);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

int otlp_fail(struct otlp_builder *b, const char *leaf, const char *fmt, ...)
{
	char field[sizeof(b->err->field)], message[sizeof(b->err->message)];
	va_list ap;

	render_path(b, leaf, field, sizeof(field));
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return error_set(b->err, 400, ERROR_BAD_REQUEST, field, "%s", message);
}

int otlp_fail_memory(struct otlp_builder *b)
{
	if (b->store->budget.no_memory)
		return error_set(b->err, 500, ERROR_INTERNAL, NULL, "no memory");
	return error_set(b->err, 400, ERROR_BAD_REQUEST, NULL,
			 "the export needs more memory to decode than its size allows "
			 "(%d bytes a byte, and 1 MiB): it holds too many small items",
			 OTLP_MEMORY_PER_BYTE);
}

void *otlp_new_array(struct otlp_builder *b, size_t n, size_t size, size_t align)
{
	void *p;

	/* An empty list still gets an address: the first block's start. */
	if (n == 0)
		return b->store->arena.chunks->data;
	if (n > SIZE_MAX / size) {
		b->store->budget.over = 1;
		otlp_fail_memory(b);
		return NULL;
	}
	if (!(p = otlp_arena_alloc(&b->store->arena, n * size, align))) {
		otlp_fail_memory(b);
		return NULL;
	}
	return memset(p, 0, n * size);
}

int otlp_count(struct otlp_builder *b, size_t n)
{
	if (n > OTLP_MAX_ITEMS - b->items)
		return error_set(b->err, 400, ERROR_BAD_REQUEST, NULL,
				 "the export holds more than %d items (spans, log records, events, "
				 "attributes and values)", OTLP_MAX_ITEMS);
	b->items += n;
	return 0;
}

int otlp_copy_bytes(struct otlp_builder *b, const void *s, size_t len, struct otlp_text *out)
{
	char *p;

	if (len == 0) {
		*out = (struct otlp_text){ "", 0 };
		return 0;
	}
	if (len == SIZE_MAX || !(p = otlp_arena_alloc(&b->store->arena, len + 1, 1)))
		return otlp_fail_memory(b);
	memcpy(p, s, len);
	p[len] = '\0';
	*out = (struct otlp_text){ p, len };
	return 0;
}

int otlp_copy_text(struct otlp_builder *b, const char *leaf, const char *s, size_t len,
		   struct otlp_text *out)
{
	if (!utf8_valid(s, len))
		return otlp_fail(b, leaf, "must be valid UTF-8 without NUL");
	return otlp_copy_bytes(b, s, len, out);
}

int otlp_check_time(struct otlp_builder *b, const char *leaf, uint64_t ns)
{
	if (ns > (uint64_t)OTLP_TIME_MAX)
		return otlp_fail(b, leaf, "must be at most %" PRId64 " nanoseconds (2262-04-11)",
				 (int64_t)OTLP_TIME_MAX);
	return 0;
}

int otlp_fail_enum(struct otlp_builder *b, const char *leaf, const ProtobufCEnumDescriptor *desc)
{
	return otlp_fail(b, leaf, "must be a %s: a number from %d to %d, or its name",
			 desc->short_name, desc->values[0].value, desc->values[desc->n_values - 1].value);
}

int otlp_check_enum(struct otlp_builder *b, const char *leaf, const ProtobufCEnumDescriptor *desc,
		    int64_t value)
{
	if (value >= INT32_MIN && value <= INT32_MAX &&
	    protobuf_c_enum_descriptor_get_value(desc, (int)value))
		return 0;
	return otlp_fail_enum(b, leaf, desc);
}

static int all_zeros(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static void put_hex(const uint8_t *raw, size_t size, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < size; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * size] = '\0';
}

int otlp_id_from_bytes(struct otlp_builder *b, const char *leaf, const uint8_t *raw, size_t len,
		       size_t size, enum otlp_id_rule rule, char *hex)
{
	hex[0] = '\0';
	if (rule == OTLP_ID_OPTIONAL && all_zeros(raw, len))
		return 0;
	if (len == 0)
		return otlp_fail(b, leaf, "is missing: a span needs one of %zu bytes", size);
	if (len != size)
		return otlp_fail(b, leaf, "must be %zu bytes, not %zu", size, len);
	if (all_zeros(raw, len))
		return otlp_fail(b, leaf, "must not be all zeros");
	put_hex(raw, size, hex);
	return 0;
}

int otlp_id_from_hex(struct otlp_builder *b, const char *leaf, const char *s, size_t len,
		     size_t size, enum otlp_id_rule rule, char *hex)
{
	uint8_t raw[16];

	hex[0] = '\0';
	if (size > sizeof(raw))
		return otlp_fail(b, leaf, "is longer than any OTLP id");
	if (len == 0 && rule == OTLP_ID_OPTIONAL)
		return 0;
	if (len == 0)
		return otlp_fail(b, leaf, "is missing: a span needs one of %zu hex digits", 2 * size);
	if (len != 2 * size)
		return otlp_fail(b, leaf, "must be %zu hex digits, not %zu characters", 2 * size, len);
	for (size_t i = 0; i < size; i++) {
		int hi = hex_digit_value((unsigned char)s[2 * i]);
		int lo = hex_digit_value((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return otlp_fail(b, leaf, "must be %zu hex digits", 2 * size);
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	return otlp_id_from_bytes(b, leaf, raw, size, size, rule, hex);
}

const struct otlp_attr *otlp_attr_find(const struct otlp_attr *attrs, size_t n, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < n; i++)
		if (attrs[i].key.len == len && memcmp(attrs[i].key.ptr, key, len) == 0)
			return &attrs[i];
	return NULL;
}

static int scalar(const struct otlp_value *v)
{
	return v->kind == OTLP_STRING || v->kind == OTLP_BOOL || v->kind == OTLP_INT ||
	       v->kind == OTLP_DOUBLE;
}

static int has_text(const struct otlp_value *v)
{
	if (v->kind != OTLP_ARRAY)
		return scalar(v);
	for (size_t i = 0; i < v->array.n; i++)
		if (!scalar(&v->array.items[i]))
			return 0;
	return 1;
}

/* The shortest of %.15g, %.16g and %.17g that reads back as d. */
static void put_double(struct buf *out, double d)
{
	char s[40];

	if (isnan(d)) {
		buf_puts(out, "NaN");
		return;
	}
	if (isinf(d)) {
		buf_puts(out, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(s, sizeof(s), "%.*g", precision, d);
		if (strtod(s, NULL) == d)
			break;
	}
	buf_puts(out, s);
}

static void put_scalar(struct buf *out, const struct otlp_value *v)
{
	char s[24];

	switch (v->kind) {
	case OTLP_STRING:
		buf_put(out, v->string.ptr, v->string.len);
		break;
	case OTLP_BOOL:
		buf_puts(out, v->boolean ? "true" : "false");
		break;
	case OTLP_INT:
		snprintf(s, sizeof(s), "%" PRId64, v->integer);
		buf_puts(out, s);
		break;
	case OTLP_DOUBLE:
		put_double(out, v->number);
		break;
	default:
		break;
	}
}

int otlp_value_text(const struct otlp_value *v, struct buf *out)
{
	if (!has_text(v))
		return -1;
	if (v->kind != OTLP_ARRAY) {
		put_scalar(out, v);
		return 0;
	}
	/* An empty array is the empty text: buf_put makes sure out has one. */
	buf_put(out, "", 0);
	for (size_t i = 0; i < v->array.n; i++) {
		if (i > 0)
			buf_puts(out, ", ");
		put_scalar(out, &v->array.items[i]);
	}
	return 0;
}

int otlp_attr_text(const struct otlp_attr *attrs, size_t n, const char *key, struct buf *out)
{
	const struct otlp_attr *a = otlp_attr_find(attrs, n, key);

	return a ? otlp_value_text(&a->value, out) : -1;
}

int otlp_grpc_code(int http_status)
{
	switch (http_status) {
	case 401: return 16;   /* UNAUTHENTICATED */
	case 403: return 7;    /* PERMISSION_DENIED */
	case 404: return 5;    /* NOT_FOUND */
	case 413:
	case 429: return 8;    /* RESOURCE_EXHAUSTED */
	case 503: return 14;   /* UNAVAILABLE */
	default:
		return http_status >= 400 && http_status < 500 ? 3 /* INVALID_ARGUMENT */
							       : 13 /* INTERNAL */;
	}
}
