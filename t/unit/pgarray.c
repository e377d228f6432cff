/* Unit tests for pgarray: json[] parameters in PostgreSQL's binary form. */
#include <stdlib.h>
#include <string.h>

#include "pgarray_read.h"
#include "tap.h"
#include "pure/pgarray.h"

/* The header and the elements, byte for byte, as array_recv reads them. */
static void test_bytes(void)
{
	static const char want[] =
		"\0\0\0\1" "\0\0\0\1" "\0\0\0\x72" "\0\0\0\3" "\0\0\0\1"
		"\0\0\0\2{}" "\xff\xff\xff\xff" "\0\0\0\x0e{\"a\":[1,\"\\\"\"]}";
	struct pg_json_array a;
	const char *bytes;
	size_t len = 0;

	ok(pg_json_array_init(&a) == 0, "an array begun");
	pg_json_array_add(&a, "{}", 2);
	pg_json_array_add(&a, NULL, 0);
	pg_json_array_add(&a, "{\"a\":[1,\"\\\"\"]}", 14);
	bytes = pg_json_array_bytes(&a, &len);
	is_int(len, sizeof(want) - 1,
	       "  its length: a header of five words, each element's length and bytes");
	ok(bytes && memcmp(bytes, want, sizeof(want) - 1) == 0,
	   "  one dimension from 1, a NULL among them, of type json (oid 114), quotes as they are");
	pg_json_array_free(&a);
}

/* Without a NULL the flag is 0; an array read back gives what went in. */
static void test_read_back(void)
{
	struct pg_json_array a;
	const char *bytes;
	size_t len = 0;
	char *first, *last;

	pg_json_array_init(&a);
	pg_json_array_add(&a, "{\"x\":1}", 7);
	pg_json_array_add(&a, "[]", 2);
	bytes = pg_json_array_bytes(&a, &len);
	ok(bytes && pgarray_word(bytes + 4) == 0, "no NULL: the flag is 0");
	is_int(pgarray_count(bytes, len), 2, "  two elements that fill it");
	first = pgarray_element(bytes, 0);
	last = pgarray_element(bytes, 1);
	is_str(first, "{\"x\":1}", "  the first");
	is_str(last, "[]", "  the second");
	free(first);
	free(last);
	/* Adding after the bytes were taken goes on from there. */
	pg_json_array_add(&a, NULL, 0);
	bytes = pg_json_array_bytes(&a, &len);
	ok(pgarray_count(bytes, len) == 3 && pgarray_word(bytes + 4) == 1 && !pgarray_element(bytes, 2),
	   "a third, NULL, after the bytes were read: counted and flagged");
	pg_json_array_free(&a);
}

/* The first value, for a statement that takes one row's as json. */
static void test_first(void)
{
	struct pg_json_array a;
	const char *first;
	size_t len = 0;

	pg_json_array_init(&a);
	ok(!pg_json_array_first(&a, &len), "no first value in an empty array");
	pg_json_array_add(&a, "{\"x\":1}", 7);
	pg_json_array_add(&a, "{}", 2);
	first = pg_json_array_first(&a, &len);
	ok(first && len == 7 && memcmp(first, "{\"x\":1}", 7) == 0, "the first value's text and length");
	pg_json_array_free(&a);
	pg_json_array_init(&a);
	pg_json_array_add(&a, NULL, 0);
	ok(!pg_json_array_first(&a, &len), "a NULL first value is NULL");
	pg_json_array_free(&a);
}

/* An empty array is one dimension of 0 elements. */
static void test_empty(void)
{
	struct pg_json_array a;
	size_t len = 0;
	const char *bytes;

	pg_json_array_init(&a);
	bytes = pg_json_array_bytes(&a, &len);
	is_int(len, 20, "an empty array is its header");
	is_int(pgarray_count(bytes, len), 0, "  of no element");
	pg_json_array_free(&a);
}

int main(void)
{
	test_bytes();
	test_read_back();
	test_first();
	test_empty();
	return tap_done();
}
