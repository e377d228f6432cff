/* log: the worker's lines on stderr (one per request, plus faults). */
#ifndef TELLTALE_LOG_H
#define TELLTALE_LOG_H

#include <stdint.h>

/* Writes "telltale[pid]: <message>" and a newline to stderr, at once (after
 * the request lines still pending). */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The request line: method, path, status and elapsed milliseconds. It is
 * written with the next batch: when 8 KB of lines are pending, at the next
 * log_msg, or at log_flush. */
void log_request(const char *method, const char *path, int status, double ms);

/* Writes the pending request lines. The worker calls it before it waits. */
void log_flush(void);

/* Monotonic clock in microseconds, for timing and back-off. */
int64_t log_now_usec(void);

#endif
