/* Unit tests for utf8: validity, cutting, counting, printability, trimming. */
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "pure/utf8.h"

/* A byte string with its length, so cases may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1

static void test_valid(void)
{
	static const struct { const char *s; size_t n; int want; const char *what; } cases[] = {
		{ B(""), 1, "empty" },
		{ B("hello"), 1, "ASCII" },
		{ B("caf\xc3\xa9"), 1, "two-byte e-acute" },
		{ B("\xe2\x82\xac"), 1, "three-byte euro sign" },
		{ B("\xf0\x9f\x98\x80"), 1, "four-byte emoji" },
		{ B("\xc2\x80"), 1, "U+0080, smallest two-byte" },
		{ B("\xe0\xa0\x80"), 1, "U+0800, smallest three-byte" },
		{ B("\xf0\x90\x80\x80"), 1, "U+10000, smallest four-byte" },
		{ B("\xed\x9f\xbf"), 1, "U+D7FF, just below the surrogates" },
		{ B("\xee\x80\x80"), 1, "U+E000, just above the surrogates" },
		{ B("\xef\xbf\xbf"), 1, "U+FFFF" },
		{ B("\xf4\x8f\xbf\xbf"), 1, "U+10FFFF, the largest" },
		{ B("\x7f"), 1, "DEL is valid (not printable)" },
		{ B("a\0b"), 0, "embedded NUL" },
		{ B("\0"), 0, "lone NUL" },
		{ B("\xc0\xaf"), 0, "overlong two-byte slash" },
		{ B("\xc1\xbf"), 0, "overlong two-byte with C1" },
		{ B("\xe0\x80\xaf"), 0, "overlong three-byte slash" },
		{ B("\xe0\x9f\xbf"), 0, "overlong three-byte U+07FF" },
		{ B("\xf0\x80\x80\xaf"), 0, "overlong four-byte slash" },
		{ B("\xf0\x8f\xbf\xbf"), 0, "overlong four-byte U+FFFF" },
		{ B("\xc0\x80"), 0, "overlong NUL" },
		{ B("\xed\xa0\x80"), 0, "encoded high surrogate U+D800" },
		{ B("\xed\xbf\xbf"), 0, "encoded low surrogate U+DFFF" },
		{ B("\xed\xa0\xbd\xed\xb8\x80"), 0, "encoded surrogate pair (CESU-8)" },
		{ B("\xf4\x90\x80\x80"), 0, "U+110000, above the range" },
		{ B("\xf5\x80\x80\x80"), 0, "lead byte F5" },
		{ B("\xff"), 0, "byte FF" },
		{ B("\x80"), 0, "stray continuation byte" },
		{ B("a\xbf"), 0, "continuation byte after ASCII" },
		{ B("\xc3"), 0, "truncated two-byte at the end" },
		{ B("\xe2\x82"), 0, "truncated three-byte at the end" },
		{ B("\xf0\x9f\x98"), 0, "truncated four-byte at the end" },
		{ B("\xe2\x82x"), 0, "three-byte cut by ASCII" },
		{ B("\xc3\xc3\xa9"), 0, "lead byte followed by a lead byte" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "valid: %s %s", cases[i].what,
			 cases[i].want ? "accepted" : "refused");
		is_int(utf8_valid(cases[i].s, cases[i].n), cases[i].want, name);
	}
	/* The length bounds the check: the bad byte lies beyond it. */
	is_int(utf8_valid("ab\xff", 2), 1, "valid: only s[0..n) is read");
	is_int(utf8_valid("\xe2\x82\xac", 2), 0, "valid: a character cut by n is refused");
}

static void test_cut(void)
{
	static const struct { const char *s; size_t n; size_t max; size_t want; const char *what; } cases[] = {
		{ B("hello"), 10, 5, "shorter than max: whole" },
		{ B("hello"), 5, 5, "exactly max: whole" },
		{ B("hello"), 3, 3, "ASCII cut anywhere" },
		{ B("hello"), 0, 0, "max 0" },
		{ B(""), 0, 0, "empty" },
		{ B("a\xc3\xa9"), 2, 1, "inside a two-byte character: before it" },
		{ B("a\xc3\xa9"), 3, 3, "after a two-byte character" },
		{ B("\xe2\x82\xac\xe2\x82\xac"), 4, 3, "inside the second euro: after the first" },
		{ B("\xe2\x82\xac\xe2\x82\xac"), 5, 3, "two bytes into the second euro" },
		{ B("\xe2\x82\xac\xe2\x82\xac"), 3, 3, "between the euros" },
		{ B("\xe2\x82\xac\xe2\x82\xac"), 2, 0, "inside the first euro: nothing" },
		{ B("ab\xf0\x9f\x98\x80"), 5, 2, "inside a four-byte character" },
		{ B("ab\xf0\x9f\x98\x80"), 6, 6, "after a four-byte character" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "cut: %s", cases[i].what);
		is_int(utf8_cut(cases[i].s, cases[i].n, cases[i].max), cases[i].want, name);
	}

	/* Every cut of a mixed string lands on a boundary and is the largest one. */
	static const char mixed[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
	size_t n = sizeof(mixed) - 1, bad = 0;
	for (size_t max = 0; max <= n; max++) {
		size_t k = utf8_cut(mixed, n, max);

		if (k > max || !utf8_valid(mixed, k) || (k < n && k + 1 <= max &&
							 utf8_valid(mixed, k + 1)))
			bad++;
	}
	is_int(bad, 0, "cut: every max on a mixed string gives a valid, largest prefix");
}

static void test_count(void)
{
	static const struct { const char *s; size_t n; size_t want; const char *what; } cases[] = {
		{ B(""), 0, "empty" },
		{ B("hello"), 5, "ASCII" },
		{ B("caf\xc3\xa9"), 4, "two-byte character counts once" },
		{ B("\xe2\x82\xac\xe2\x82\xac"), 2, "three-byte characters" },
		{ B("\xf0\x9f\x98\x80!"), 2, "four-byte character and ASCII" },
		{ B("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4, "one of each width" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "count: %s", cases[i].what);
		is_int(utf8_count(cases[i].s, cases[i].n), cases[i].want, name);
	}
}

static void test_printable(void)
{
	static const struct { const char *s; size_t n; int want; const char *what; } cases[] = {
		{ B(""), 1, "empty" },
		{ B("My App 2"), 1, "ASCII with spaces" },
		{ B("~"), 1, "tilde U+007E" },
		{ B("\xc2\xa0"), 1, "no-break space U+00A0" },
		{ B("\xe6\x97\xa5\xe6\x9c\xac"), 1, "CJK" },
		{ B("\xf0\x9f\x98\x80"), 1, "emoji" },
		{ B("a\tb"), 0, "tab" },
		{ B("a\nb"), 0, "newline" },
		{ B("\x1f"), 0, "U+001F" },
		{ B("a\0b"), 0, "NUL" },
		{ B("\x7f"), 0, "DEL U+007F" },
		{ B("\xc2\x80"), 0, "U+0080" },
		{ B("\xc2\x85"), 0, "NEL U+0085" },
		{ B("\xc2\x9f"), 0, "U+009F" },
		{ B("x\xc2\x9f"), 0, "control after text" },
		{ B("\xc0\xaf"), 0, "invalid UTF-8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];

		snprintf(name, sizeof(name), "printable: %s %s", cases[i].what,
			 cases[i].want ? "accepted" : "refused");
		is_int(utf8_printable(cases[i].s, cases[i].n), cases[i].want, name);
	}
}

static void test_trim(void)
{
	static const struct {
		const char *s; size_t n; size_t start; size_t len; const char *what;
	} cases[] = {
		{ B("app"), 0, 3, "nothing to trim" },
		{ B("  app  "), 2, 3, "ASCII spaces" },
		{ B("\t\n\v\f\rapp\r\n"), 5, 3, "ASCII control white space" },
		{ B("\xc2\xa0" "app" "\xc2\xa0"), 2, 3, "U+00A0 no-break space" },
		{ B("\xe3\x80\x80" "app" "\xe3\x80\x80"), 3, 3, "U+3000 ideographic space" },
		{ B("\xe2\x80\x83" "app" "\xe2\x80\x83"), 3, 3, "U+2003 em space" },
		{ B("\xe2\x80\x80\xe2\x80\x8a" "app"), 6, 3, "U+2000 and U+200A" },
		{ B("app" "\xe2\x80\xaf\xe2\x81\x9f\xe1\x9a\x80"), 0, 3, "U+202F, U+205F, U+1680" },
		{ B(" my app "), 1, 6, "inner space kept" },
		{ B("a\xe3\x80\x80" "b"), 0, 5, "inner U+3000 kept" },
		{ B("   "), 3, 0, "only spaces" },
		{ B("\xe3\x80\x80\xc2\xa0 "), 6, 0, "only Unicode spaces" },
		{ B(""), 0, 0, "empty" },
		{ B("\xe2\x80\x8b" "app"), 0, 6, "U+200B zero width space is not white space" },
		{ B("app\xe2\x80\xa8"), 0, 6, "U+2028 line separator is not Zs" },
		{ B("\xc3\xa9 "), 0, 2, "non-space two-byte character at the end kept" },
		{ B("\xe2\x82\xac"), 0, 3, "euro sign, whose last byte is no space, kept" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t start = 99;
		size_t len = utf8_trim(cases[i].s, cases[i].n, &start);
		char name[128];

		snprintf(name, sizeof(name), "trim: %s", cases[i].what);
		ok(len == cases[i].len && start == cases[i].start, name);
		if (len != cases[i].len || start != cases[i].start)
			printf("#   got start %zu len %zu, want start %zu len %zu\n", start, len,
			       cases[i].start, cases[i].len);
	}
}

/* A byte that is not plain ASCII at every place of a long ASCII text, on
 * either side of the eight-byte steps the ASCII run takes: a NUL and a lone
 * continuation byte refused, a two-byte character taken. */
static void test_valid_at_every_place(void)
{
	char text[40];
	int nul_ok = 1, cont_ok = 1, two_ok = 1;

	for (size_t at = 0; at + 2 <= sizeof(text); at++) {
		memset(text, 'a', sizeof(text));
		text[at] = '\0';
		nul_ok &= utf8_valid(text, sizeof(text)) == 0;
		text[at] = (char)0x80;
		cont_ok &= utf8_valid(text, sizeof(text)) == 0;
		text[at] = (char)0xC3;
		text[at + 1] = (char)0xA9;
		two_ok &= utf8_valid(text, sizeof(text)) == 1;
	}
	ok(nul_ok, "valid: a NUL anywhere in a long text is refused");
	ok(cont_ok, "valid: a lone continuation byte anywhere is refused");
	ok(two_ok, "valid: a two-byte character anywhere is taken");
	memset(text, 'a', sizeof(text));
	ok(utf8_valid(text, sizeof(text)), "valid: a long ASCII text");
}

int main(void)
{
	test_valid();
	test_cut();
	test_count();
	test_printable();
	test_trim();
	test_valid_at_every_place();
	return tap_done();
}
