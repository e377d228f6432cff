/* log: the worker's lines on stderr. stderr is the log file spawn-fcgi was
 * started with, so a line written here never reaches a client. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* One line per call, written with one write() so that the lines of several
 * workers sharing the file never interleave; control characters (libpq's
 * messages hold newlines and tabs) become spaces. */
void log_msg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int head = snprintf(line, sizeof(line), "telltale[%ld]: ", (long)getpid());
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
	va_end(ap);
	n = n < 0 ? head : head + n;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	while (n > head && (line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	for (int i = head; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;   /* nowhere left to report it */
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
