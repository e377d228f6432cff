/* pbscan: the wire format as the protobuf encoding defines it, read with
 * protobuf-c's own field tables, and no stricter than unpack except where
 * unpack itself is unsafe: a tag is at most 5 bytes and fits 32 bits (a
 * longer one makes protobuf-c 1.4's tag parser shift past its int), and a
 * length is at most 5 bytes and below 2 GiB (what unpack accepts). */
#include "pure/pbscan.h"

#include <stdio.h>
#include <string.h>

#include "pure/utf8.h"

/* Element indexes are kept for this many fields of a message; a field past
 * them is named without one. Every OTLP message has fewer. */
#define INDEXED_FIELDS 32
#define NO_INDEX ((size_t)-1)

enum wire_type {
	WIRE_VARINT = 0,
	WIRE_64BIT = 1,
	WIRE_LENGTH = 2,
	WIRE_32BIT = 5,
};

/* A message being read, as a step of the path: the field that holds it. */
struct frame {
	const ProtobufCFieldDescriptor *field;
	size_t index;                   /* its element, or NO_INDEX */
};

struct scan {
	const uint8_t *start;           /* of the whole data, for offsets */
	const struct pbscan_limits *lim;
	struct pbscan_result *res;
	struct frame path[PBSCAN_DEPTH_MAX];
	int depth;                      /* frames in path */
	int nested;                     /* lim->nested messages on the path */
	size_t items;
};

/* A varint of at most max_bytes at p[0..n). Returns its length, or 0 when it
 * does not end within them. */
static size_t read_varint(const uint8_t *p, size_t n, size_t max_bytes, uint64_t *value)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < max_bytes; i++) {
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*value = v;
			return i + 1;
		}
	}
	return 0;
}

static void build_path(const struct scan *s, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < s->depth && used < size - 1; i++) {
		const struct frame *f = &s->path[i];
		int n;

		if (f->index == NO_INDEX)
			n = snprintf(out + used, size - used, "%s%s", i ? "." : "", f->field->name);
		else
			n = snprintf(out + used, size - used, "%s%s[%zu]", i ? "." : "", f->field->name,
				     f->index);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

/* Records a fault at p with the path so far. Returns status. */
static enum pbscan_status fail(struct scan *s, enum pbscan_status status, const uint8_t *p,
			       const char *detail)
{
	s->res->status = status;
	s->res->offset = (size_t)(p - s->start);
	s->res->detail = detail;
	s->res->items = s->items;
	build_path(s, s->res->field, sizeof(s->res->field));
	return status;
}

/* The wire type a field of this type is written with. */
static int wire_type_of(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_FLOAT:
		return WIRE_32BIT;
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return WIRE_64BIT;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_MESSAGE:
		return WIRE_LENGTH;
	default:
		return WIRE_VARINT;
	}
}

/* The elements of a packed repeated scalar in p[0..n): whole varints or
 * whole fixed-size values. Returns 0 and sets *count, or -1. */
static int count_packed(int wire, const uint8_t *p, size_t n, size_t *count)
{
	size_t width = wire == WIRE_32BIT ? 4 : 8;

	*count = 0;
	if (wire != WIRE_VARINT) {
		*count = n / width;
		return n % width == 0 ? 0 : -1;
	}
	for (size_t at = 0, len; at < n; at += len) {
		uint64_t ignored;

		if ((len = read_varint(p + at, n - at, 10, &ignored)) == 0)
			return -1;
		(*count)++;
	}
	return 0;
}

/* Counts elements of repeated fields against the cap. Returns 0, or -1. */
static int count_items(struct scan *s, size_t n)
{
	if (n > s->lim->max_items - s->items) {
		s->items = s->lim->max_items;
		return -1;
	}
	s->items += n;
	return 0;
}

static enum pbscan_status scan_message(struct scan *s, const ProtobufCMessageDescriptor *desc,
				       const uint8_t *p, size_t n);

/* A submessage in v[0..n), its field already on the path. */
static enum pbscan_status scan_submessage(struct scan *s, const ProtobufCFieldDescriptor *field,
					  const uint8_t *tag, const uint8_t *v, size_t n)
{
	int is_nested = s->lim->nested && field->descriptor == s->lim->nested;
	enum pbscan_status st;

	/* The outermost message has no frame: depth frames is depth + 1 deep. */
	if (s->depth + 1 > s->lim->max_depth || s->depth + 1 > PBSCAN_DEPTH_MAX)
		return fail(s, PBSCAN_DEPTH, tag, "messages are nested too deep");
	if (is_nested && s->nested + 1 > s->lim->max_nested)
		return fail(s, PBSCAN_NESTED, tag, "values are nested too deep");
	s->nested += is_nested;
	st = scan_message(s, field->descriptor, v, n);
	s->nested -= is_nested;
	return st;
}

/* A known field's value v[0..n), read with wire type wire, its tag at tag. */
static enum pbscan_status scan_field(struct scan *s, const ProtobufCFieldDescriptor *field,
				     int wire, const uint8_t *tag, const uint8_t *v, size_t n)
{
	int want = wire_type_of(field->type);
	int packed = field->label == PROTOBUF_C_LABEL_REPEATED && want != WIRE_LENGTH &&
		     wire == WIRE_LENGTH;
	size_t count = 1;

	if (wire != want && !packed) {
		s->res->wire_type = wire;
		s->res->expected = want;
		return fail(s, PBSCAN_WIRE_TYPE, tag, "has the wrong wire type for its type");
	}
	if (packed && count_packed(want, v, n, &count) != 0)
		return fail(s, PBSCAN_MALFORMED, v, "a packed field ends inside a value");
	if (field->label == PROTOBUF_C_LABEL_REPEATED && count_items(s, count) != 0)
		return fail(s, PBSCAN_TOO_MANY, tag, "too many elements of repeated fields");
	if (field->type == PROTOBUF_C_TYPE_MESSAGE)
		return scan_submessage(s, field, tag, v, n);
	if (field->type == PROTOBUF_C_TYPE_STRING && s->lim->strings_utf8 &&
	    !utf8_valid((const char *)v, n))
		return fail(s, PBSCAN_STRING, v, "a string that is not UTF-8 or holds a NUL");
	return PBSCAN_OK;
}

/* The value after a tag of wire type wire at p[0..n): sets *v, *vlen (the
 * value proper: a length-delimited one without its length) and *used (all its
 * bytes). Returns 0, or -1 with *why set. */
static int read_value(int wire, const uint8_t *p, size_t n, const uint8_t **v, size_t *vlen,
		      size_t *used, const char **why)
{
	uint64_t len;
	size_t head;

	*v = p;
	switch (wire) {
	case WIRE_VARINT:
		if ((*used = *vlen = read_varint(p, n, 10, &len)) == 0)
			return *why = "a varint does not end within 10 bytes or its message", -1;
		return 0;
	case WIRE_64BIT:
	case WIRE_32BIT:
		*used = *vlen = wire == WIRE_64BIT ? 8 : 4;
		if (n < *used)
			return *why = "a fixed-size value runs past the end of its message", -1;
		return 0;
	case WIRE_LENGTH:
		if ((head = read_varint(p, n, 5, &len)) == 0)
			return *why = "a length does not end within 5 bytes or its message", -1;
		if (len > n - head || len > INT32_MAX)
			return *why = "a length runs past the end of its message", -1;
		*v = p + head;
		*vlen = (size_t)len;
		*used = head + (size_t)len;
		return 0;
	default:
		return *why = "a wire type other than 0, 1, 2 or 5 (groups are not supported)", -1;
	}
}

static enum pbscan_status scan_message(struct scan *s, const ProtobufCMessageDescriptor *desc,
				       const uint8_t *p, size_t n)
{
	size_t seen[INDEXED_FIELDS] = { 0 };
	size_t at = 0;

	while (at < n) {
		const ProtobufCFieldDescriptor *field;
		const uint8_t *v;
		const char *why = NULL;
		uint64_t tag;
		size_t len, vlen, used, index = NO_INDEX, slot;
		enum pbscan_status st;

		if ((len = read_varint(p + at, n - at, 5, &tag)) == 0 || tag > UINT32_MAX)
			return fail(s, PBSCAN_MALFORMED, p + at, "a tag does not end within 5 bytes or its message");
		if (tag >> 3 == 0)
			return fail(s, PBSCAN_MALFORMED, p + at, "a tag has field number 0");
		if (read_value((int)(tag & 7), p + at + len, n - at - len, &v, &vlen, &used, &why) != 0)
			return fail(s, PBSCAN_MALFORMED, p + at, why);
		field = protobuf_c_message_descriptor_get_field(desc, (unsigned)(tag >> 3));
		if (field) {
			slot = (size_t)(field - desc->fields);
			if (slot < INDEXED_FIELDS)
				index = seen[slot]++;
			s->path[s->depth++] = (struct frame){
				field, field->label == PROTOBUF_C_LABEL_REPEATED ? index : NO_INDEX
			};
			st = scan_field(s, field, (int)(tag & 7), p + at, v, vlen);
			s->depth--;
			if (st != PBSCAN_OK)
				return st;
		}
		at += len + used;
	}
	return PBSCAN_OK;
}

enum pbscan_status pbscan(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
			  const struct pbscan_limits *lim, struct pbscan_result *res)
{
	struct scan s;
	enum pbscan_status st;

	memset(&s, 0, sizeof(s));
	s.start = data;
	s.lim = lim;
	s.res = res;
	res->detail = "";
	res->field[0] = '\0';
	res->offset = 0;
	res->wire_type = res->expected = 0;
	st = scan_message(&s, desc, data, len);
	if (st == PBSCAN_OK) {
		res->status = PBSCAN_OK;
		res->items = s.items;
	}
	return st;
}
