/* log: the worker's lines on stderr (one per request, plus faults). */
#ifndef TELLTALE_LOG_H
#define TELLTALE_LOG_H

#include <stdint.h>

/* Writes "telltale[pid]: <message>" and a newline to stderr. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The request line: method, path, status and elapsed milliseconds. */
void log_request(const char *method, const char *path, int status, double ms);

/* Monotonic clock in microseconds, for timing and back-off. */
int64_t log_now_usec(void);

#endif
