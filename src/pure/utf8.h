/* utf8: validation and trimming of UTF-8 text. Pure: no I/O, no globals. */
#ifndef TELLTALE_UTF8_H
#define TELLTALE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s[0..n) (n >= 1) into *cp. Returns its length in
 * bytes, or 0 when it is not well formed: a stray continuation byte, an overlong
 * form, an encoded surrogate, a value above U+10FFFF or a sequence cut short. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 when s[0..n) is valid UTF-8 (no overlong forms, no surrogates, nothing above
 * U+10FFFF) and holds no NUL byte; else 0. */
int utf8_valid(const char *s, size_t n);

/* The largest length <= max at which s[0..n) (valid UTF-8) can be cut without
 * splitting a character. */
size_t utf8_cut(const char *s, size_t n, size_t max);

/* Number of code points in valid UTF-8 s[0..n). */
size_t utf8_count(const char *s, size_t n);

/* 1 when valid UTF-8 s[0..n) holds no control character (U+0000-U+001F,
 * U+007F-U+009F); else 0. */
int utf8_printable(const char *s, size_t n);

/* Trims Unicode white space (ASCII space, \t\n\v\f\r, U+00A0, U+2000-U+200A,
 * U+3000 and the other Zs characters) from both ends of valid UTF-8 s[0..n).
 * Sets *start and returns the trimmed length. */
size_t utf8_trim(const char *s, size_t n, size_t *start);

#endif
