/* Unit tests for wordscan, and for the scanners that read eight bytes at a
 * time: every special byte at every place against an 8-byte word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pure/jsoncheck.h"
#include "pure/jsonspan.h"
#include "pure/mask.h"
#include "pure/wordscan.h"

/* Each test marks exactly the bytes it should, for every byte value in
 * every place of the word, next to bytes that lend or carry. */
static void test_marks_every_byte(void)
{
	static const unsigned char neighbours[] = { 0x00, 0x01, 0x1F, 0x20, 0x2F, 0x30, 0x39, 0x3A,
						    0x5C, 0x7F, 0x80, 0xFF };
	int wrong = 0;

	for (unsigned v = 0; v < 256; v++)
		for (unsigned place = 0; place < 8; place++)
			for (size_t k = 0; k < sizeof(neighbours); k++) {
				char bytes[8];
				uint64_t w, digits, below, quote, high;

				memset(bytes, (char)neighbours[k], sizeof(bytes));
				bytes[place] = (char)v;
				w = wordscan_load(bytes);
				digits = wordscan_digits(w);
				below = wordscan_below(w, 0x20);
				quote = wordscan_equal(w, '"');
				high = wordscan_above(w, 0x7E);
				for (unsigned b = 0; b < 8; b++) {
					unsigned char c = (unsigned char)bytes[b];
					uint64_t bit = 0x80ULL << (8 * b);

					wrong += !!(digits & bit) != (c >= '0' && c <= '9');
					wrong += !!(below & bit) != (c < 0x20);
					wrong += !!(quote & bit) != (c == '"');
					wrong += !!(high & bit) != (c > 0x7E);
				}
				if (quote)
					wrong += bytes[wordscan_first(quote)] != '"' ||
						 memchr(bytes, '"', wordscan_first(quote));
			}
	is_int(wrong, 0, "each byte is marked alone, whatever its neighbours");
}

/* wordscan_count and wordscan_first over words of several marks. */
static void test_count_and_first(void)
{
	uint64_t w = wordscan_load("a1b22c3\"");

	is_int(wordscan_count(wordscan_digits(w)), 4, "four digits counted in a word");
	is_int(wordscan_first(wordscan_digits(w)), 1, "  the first is the word's second byte");
	is_int(wordscan_first(wordscan_equal(w, '"')), 7, "a quote in the last byte is found there");
	is_int(wordscan_count(wordscan_digits(wordscan_load("12345678"))), 8, "a word of digits counts 8");
	is_int(wordscan_count(wordscan_digits(wordscan_load("abcdefgh"))), 0, "a word of letters counts 0");
}

/* A string whose quote, backslash, control byte or non-ASCII byte stands at
 * each place from the first to the 24th: the scanners stop at it, whether it
 * falls inside a word, at a word's edge or in the tail read byte by byte. */
static void test_strings_at_every_place(void)
{
	int wrong = 0;

	for (size_t len = 0; len < 24; len++)
		for (size_t at = 0; at <= len; at++) {
			char text[64], *masked;
			size_t n, out_len = 0;
			struct jsoncheck_result r;

			/* "aaa\"aaa": an escaped quote at 'at', the string ends at len. */
			n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\\\"%.*s\"]", (int)at,
					     "aaaaaaaaaaaaaaaaaaaaaaaa", (int)(len - at), "bbbbbbbbbbbbbbbbbbbbbbbb");
			wrong += jsoncheck(text, n, 32, &r) != JSONCHECK_OK;
			wrong += jsonspan_value_end(text, n, 1) != n - 1;
			masked = mask_json_text(text, n, &out_len, NULL);
			wrong += !masked || out_len != n || memcmp(masked, text, n) != 0;
			free(masked);

			/* A raw control byte at 'at': refused there. */
			n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\t%.*s\"]", (int)at,
					     "aaaaaaaaaaaaaaaaaaaaaaaa", (int)(len - at), "bbbbbbbbbbbbbbbbbbbbbbbb");
			wrong += jsoncheck(text, n, 32, &r) != JSONCHECK_SYNTAX;

			/* A broken UTF-8 byte at 'at': refused as UTF-8. */
			n = (size_t)snprintf(text, sizeof(text), "[\"%.*s\xC3(%.*s\"]", (int)at,
					     "aaaaaaaaaaaaaaaaaaaaaaaa", (int)(len - at), "bbbbbbbbbbbbbbbbbbbbbbbb");
			wrong += jsoncheck(text, n, 32, &r) != JSONCHECK_UTF8;

			/* A string cut short at its end: the span stops at the text's end. */
			n = (size_t)snprintf(text, sizeof(text), "\"%.*s", (int)len, "aaaaaaaaaaaaaaaaaaaaaaaa");
			wrong += jsonspan_string_end(text, n, 0) != n;
			wrong += jsoncheck(text, n, 32, &r) != JSONCHECK_SYNTAX;
		}
	is_int(wrong, 0, "quotes, escapes, control and broken bytes found at every place");
}

/* What follows a note's text: a card number masked (1) or digits kept as
 * they are (0), where the string ends, at an escape, or written with one. */
static const struct {
	const char *tail;
	int masked;
} card_tails[] = {
	{ "4111111111111111 x\"}", 1 },
	{ "411111111111 x\"}", 0 },
	/* The digits before the stop in its word count, the stop's own byte not. */
	{ "4111111111111111\",\"b\":1}", 1 },
	{ "4111111111111111\\nx\"}", 1 },
	{ "411111111111\\n\"}", 0 },
	{ "411111111111111\\u0031\"}", 1 },
};

/* A card number found wherever it stands against the words, and one digit
 * short of a card's digits never masked. */
static void test_card_at_every_place(void)
{
	int wrong = 0;

	for (size_t at = 0; at < 20; at++)
		for (size_t t = 0; t < sizeof(card_tails) / sizeof(card_tails[0]); t++) {
			char text[96], *masked;
			size_t n, out_len = 0;

			n = (size_t)snprintf(text, sizeof(text), "{\"note\":\"%.*s%s", (int)at,
					     "pay with card numbered ", card_tails[t].tail);
			masked = mask_json_text(text, n, &out_len, NULL);
			if (card_tails[t].masked)
				wrong += !masked || !strstr(masked, MASK_VALUE) || strstr(masked, "4111");
			else
				wrong += !masked || out_len != n || memcmp(masked, text, n) != 0;
			free(masked);
		}
	is_int(wrong, 0, "a card masked at every place, before a quote, an escape or in one; "
	       "twelve digits kept as they are");

	/* Broken text: a digit after a backslash counts as written. */
	size_t out_len = 0;
	char *masked = mask_json_text("{\"n\":\"\\4222222222222\"}", 22, &out_len, NULL);
	ok(masked && strstr(masked, MASK_VALUE) && !strstr(masked, "2222"),
	   "a digit escaped by mistake still counts toward a card");
	free(masked);
}

int main(void)
{
	test_marks_every_byte();
	test_count_and_first();
	test_strings_at_every_place();
	test_card_at_every_place();
	return tap_done();
}
