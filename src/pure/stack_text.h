/* stack_text: a stack trace written as text, in its language's own format
 * (OpenTelemetry's exception.stacktrace), read into the frames of an /apps
 * stack (docs/api.md, "Grouping"):
 *
 *   {"filename", "module", "function", "lineno", "colno", "in_app": bool}
 *
 * each member but in_app present only when the text names it. Frames are
 * listed as Sentry lists them: the outermost first, the one where the error
 * was raised last. The formats read, one line a frame unless said otherwise:
 *
 *   Python  Traceback (most recent call last):
 *             File "app/shop.py", line 42, in charge
 *           filename, lineno, function. Of chained tracebacks ("The above
 *           exception was the direct cause..."), the last: the one raised.
 *           Not in-app: site-packages/, dist-packages/, the standard library
 *           (a path with /lib/pythonN), <frozen ...>.
 *   Node    TypeError: x
 *               at charge (/srv/app/pay.js:42:7)
 *               at async main (file:///srv/app/main.mjs:3:25)
 *               at /srv/app/y.js:3:4
 *           function (without "async "; "new Foo" as it is), filename (a
 *           file:// URL as its path; for code run by eval, the place of the
 *           eval), lineno, colno. Not in-app: node:..., internal/...,
 *           node_modules/, a bare file name (older Node's own modules), and
 *           a function with no file ("JSON.parse (<anonymous>)", "async
 *           Promise.all (index 0)"); a line with neither is no frame.
 *   JVM     java.lang.IllegalStateException: msg
 *               at com.shop.Pay.charge(Pay.java:42)
 *               at java.base/java.lang.Thread.run(Thread.java:840)
 *           module (the class), function (the method), filename, lineno;
 *           a class loader and module before a '/' are dropped. Only the
 *           exception's own frames: once it has some, reading stops at
 *           "Caused by:" and "Suppressed:"; "... 12 more" is skipped.
 *   .NET    System.FormatException: x
 *              at Shop.Pay.Charge(Int32 x) in /src/Pay.cs:line 42
 *              at Shop.Pay.Parse(String s)
 *           module (the type), function (the method), filename, lineno.
 *           An inner exception's frames, before "--- End of inner exception
 *           stack trace ---", are dropped: the frames kept are the outer
 *           exception's, the one thrown.
 *   Go      goroutine 1 [running]:
 *           main.charge(...)
 *               /src/app/pay.go:42 +0x1d
 *           two lines a frame; module (the package path, "main",
 *           "net/http") and function ("charge", "(*conn).serve"), filename,
 *           lineno; "created by main.main" as a frame. The first goroutine
 *           only.
 *
 * Not in-app either, for the JVM and .NET: classes under java., javax.,
 * jdk., sun., com.sun., kotlin., kotlinx., scala., org.springframework.,
 * System. and Microsoft., and the JDK's modules (java.base/...); for Go:
 * runtime and runtime/..., panic, and files under /usr/local/go/,
 * /usr/lib/go, GOROOT/, $GOROOT/, or with /pkg/mod/ or /vendor/ in their
 * path (the module cache and vendored code). Every other frame is in-app.
 *
 * The language is the one of the first frame read (the JVM and .NET count
 * as one); lines in another one's shape after it are skipped. Lines end at
 * "\n", a "\r" before it dropped. A line that is not valid UTF-8 or holds a
 * NUL is skipped, so the text may hold any bytes; the strings of the frames
 * are cut only where the text has an ASCII character, and a string longer
 * than STACK_TEXT_PIECE_MAX bytes is cut to it at a character boundary. The
 * work is linear in len.
 *
 * Pure: json-c only, no I/O, no globals. */
#ifndef TELLTALE_STACK_TEXT_H
#define TELLTALE_STACK_TEXT_H

#include <stddef.h>

#include <json-c/json.h>

/* At most this many frames are kept: the innermost ones, where the error
 * was raised; the outer ones past them are dropped. */
#define STACK_TEXT_FRAMES_MAX 256

/* A frame's filename, module or function is cut to this many bytes. */
#define STACK_TEXT_PIECE_MAX 1024

/* The frames of text[0..len) (text may be NULL when len is 0). Returns the
 * number of frames, 1 to STACK_TEXT_FRAMES_MAX, with *frames a new array
 * (the caller puts it); 0 when no line is a frame, and -1 when out of
 * memory, both with *frames NULL. */
int stack_text_frames(const char *text, size_t len, struct json_object **frames);

#endif
