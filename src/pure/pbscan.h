/* pbscan: one pass over protobuf wire data, guided by protobuf-c's message
 * descriptors, before protobuf-c's unpack is let near it. Unpack recurses
 * into nested messages with no depth limit and sizes its arrays from what it
 * counts, so a hostile body could overflow the stack or ask for far more
 * memory than it is long; pbscan finds that first, and names where:
 *
 *   - the wire format: every tag, varint, fixed-size value and length ends
 *     within its message; wire types 3 and 4 (groups) and 6 and 7 do not exist;
 *     field number 0 does not exist;
 *   - a known field comes with the wire type its type needs (a repeated
 *     scalar may also come packed);
 *   - messages nest at most max_depth deep, and the message lim->nested (one
 *     that may hold itself, like OTLP's AnyValue) at most max_nested deep;
 *   - the elements of repeated fields, all messages together, are at most
 *     max_items;
 *   - with lim->strings_utf8, every string field is valid UTF-8 without NUL
 *     (unpack checks neither, and makes C strings of them).
 *
 * Unknown fields are skipped whole, as unpack keeps them: unread.
 * Pure: protobuf-c's descriptors only, no allocation, no I/O, no globals. */
#ifndef TELLTALE_PBSCAN_H
#define TELLTALE_PBSCAN_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Messages nested deeper than this are refused whatever max_depth says: it
 * sizes the scan's own stack of field names. */
#define PBSCAN_DEPTH_MAX 64

#define PBSCAN_FIELD_MAX 256

struct pbscan_limits {
	int max_depth;                              /* the outermost message is depth 1 */
	const ProtobufCMessageDescriptor *nested;   /* or NULL */
	int max_nested;                             /* how many of nested may enclose each other */
	size_t max_items;
	int strings_utf8;
};

enum pbscan_status {
	PBSCAN_OK = 0,
	PBSCAN_MALFORMED,    /* not protobuf wire data; detail says what */
	PBSCAN_WIRE_TYPE,    /* a known field with the wrong wire type */
	PBSCAN_DEPTH,        /* messages nested deeper than max_depth */
	PBSCAN_NESTED,       /* lim->nested nested deeper than max_nested */
	PBSCAN_TOO_MANY,     /* more than max_items elements of repeated fields */
	PBSCAN_STRING,       /* a string field that is not UTF-8 or holds a NUL */
};

struct pbscan_result {
	enum pbscan_status status;
	size_t offset;                  /* byte of the fault, from the start of the data */
	size_t items;                   /* elements of repeated fields counted */
	int wire_type, expected;        /* PBSCAN_WIRE_TYPE: what came, what the field needs */
	const char *detail;             /* what is wrong, static text: "a length runs past
	                                   the end of its message" */
	/* The path of the fault, by the descriptors' field names:
	 * "resource_spans[0].scope_spans[1].spans[2].name"; "" for the outermost
	 * message. A repeated field's index counts its elements in that message. */
	char field[PBSCAN_FIELD_MAX];
};

/* Scans data[0..len) as one message of type desc under lim. Returns
 * res->status (res->items is set either way). */
enum pbscan_status pbscan(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
			  const struct pbscan_limits *lim, struct pbscan_result *res);

#endif
