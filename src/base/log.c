/* log: the worker's lines on stderr. stderr is the log file spawn-fcgi was
 * started with, so a line written here never reaches a client. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

/* Request lines waiting to be written: a busy worker writes them in batches
 * (one write() per 8 KB, or when it goes idle) rather than one per request. */
static struct {
	char buf[8192];
	size_t len;
} pending;

/* Formats one line into line[LOG_LINE_MAX]: the "telltale[pid]: " head, the
 * message with control characters (libpq's messages hold newlines and tabs)
 * made spaces, and a newline. Returns its length. */
static size_t format_line(char *line, const char *fmt, va_list ap)
{
	static long pid;   /* no process here forks after its first line */
	int head, n;

	if (!pid)
		pid = (long)getpid();
	head = snprintf(line, LOG_LINE_MAX, "telltale[%ld]: ", pid);
	n = vsnprintf(line + head, LOG_LINE_MAX - (size_t)head - 1, fmt, ap);
	n = n < 0 ? head : head + n;
	if (n > LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;
	while (n > head && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	for (int i = head; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	line[n++] = '\n';
	return (size_t)n;
}

/* Whole lines in one write() each time, so that the lines of several workers
 * sharing the file never interleave. */
static void write_out(const char *text, size_t len)
{
	if (len > 0 && write(STDERR_FILENO, text, len) < 0)
		return;   /* nowhere left to report it */
}

void log_flush(void)
{
	write_out(pending.buf, pending.len);
	pending.len = 0;
}

/* Formats a line and writes it at once (after the pending lines, to keep
 * their order), or adds it to the pending lines. */
static void emit(int later, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t n = format_line(line, fmt, ap);

	if (!later || pending.len + n > sizeof(pending.buf))
		log_flush();
	if (!later) {
		write_out(line, n);
		return;
	}
	memcpy(pending.buf + pending.len, line, n);
	pending.len += n;
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(0, fmt, ap);
	va_end(ap);
}

static void log_later(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_later(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, fmt, ap);
	va_end(ap);
}

void log_request(const char *method, const char *path, int status, double ms)
{
	log_later("%s %s %d %.1fms", method, path, status, ms);
}

int64_t log_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
