/* pgarray: PostgreSQL's binary array format (array_recv): five big-endian
 * 32-bit words (dimensions, a has-nulls flag, the element type, the length
 * and lower bound of the one dimension), then per element its length in
 * bytes, -1 for NULL, and its bytes. */
#include "pure/pgarray.h"

#include <stdint.h>
#include <stdlib.h>

/* The type json's fixed oid (pg_type.dat). */
#define JSON_OID 114
#define HEADER_WORDS 5

static void put_word(char *out, uint32_t v)
{
	out[0] = (char)(v >> 24);
	out[1] = (char)(v >> 16);
	out[2] = (char)(v >> 8);
	out[3] = (char)v;
}

static uint32_t word_at(const char *in)
{
	const unsigned char *u = (const unsigned char *)in;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static void append_word(struct buf *b, uint32_t v)
{
	char word[4];

	put_word(word, v);
	buf_put(b, word, sizeof(word));
}

int pg_json_array_init(struct pg_json_array *a)
{
	static const char room[HEADER_WORDS * 4];

	*a = (struct pg_json_array){ 0 };
	buf_put(&a->data, room, sizeof(room));
	return a->data.failed ? -1 : 0;
}

void pg_json_array_add(struct pg_json_array *a, const char *text, size_t len)
{
	a->count++;
	if (!text) {
		a->has_null = 1;
		append_word(&a->data, UINT32_MAX);      /* -1 */
		return;
	}
	append_word(&a->data, (uint32_t)len);
	buf_put(&a->data, text, len);
}

const char *pg_json_array_bytes(struct pg_json_array *a, size_t *len)
{
	const uint32_t header[HEADER_WORDS] = { 1, (uint32_t)a->has_null, JSON_OID,
						 (uint32_t)a->count, 1 };

	if (a->data.failed || !a->data.data)
		return NULL;
	for (int i = 0; i < HEADER_WORDS; i++)
		put_word(a->data.data + 4 * i, header[i]);
	*len = a->data.len;
	return a->data.data;
}

const char *pg_json_array_first(const struct pg_json_array *a, size_t *len)
{
	const char *first;
	uint32_t first_len;

	if (a->count == 0 || a->data.failed)
		return NULL;
	first = a->data.data + HEADER_WORDS * 4;
	if ((first_len = word_at(first)) == UINT32_MAX)
		return NULL;
	*len = first_len;
	return first + 4;
}

void pg_json_array_free(struct pg_json_array *a)
{
	free(a->data.data);
	*a = (struct pg_json_array){ 0 };
}
