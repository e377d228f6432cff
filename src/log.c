/* log: the worker's lines on stderr. stderr is the log file spawn-fcgi was
 * started with, so a line written here never reaches a client. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void log_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "telltale[%ld]: ", (long)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

void log_request(const char *method, const char *path, int status, double ms)
{
	log_msg("%s %s %d %.1fms", method, path, status, ms);
}

int64_t log_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
