/* telltale-worker: a FastCGI worker. spawn-fcgi hands it the listening socket
 * as fd 0 and multiwatch keeps N of them alive; each serves one request at a
 * time over its own PostgreSQL connection.
 *
 * Environment: DATABASE_URL (libpq conninfo or URI; empty means libpq's
 * defaults), TELLTALE_STATEMENT_TIMEOUT_MS (default 5000), TELLTALE_READ_ONLY
 * and TELLTALE_READ_REPLICA (a read worker, and a main worker beside a read
 * pool: api/replica.h), TELLTALE_CONNECT_LAZILY (1: connect at the first
 * request, not at start; the replay pool's workers). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "db/db.h"
#include "base/log.h"
#include "http/request.h"
#include "http/response.h"
#include "api/auth.h"
#include "api/replica.h"
#include "api/routes.h"
#include "pure/password.h"
#include "base/signals.h"
#include "pure/fields.h"

#define LISTEN_FD 0

/* AddressSanitizer maps terabytes of shadow memory: no address-space limit
 * can hold under it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif


/* An idle worker waits in epoll on the pool's listening socket and on its own
 * database connection. EPOLLEXCLUSIVE wakes one idle worker per connection
 * (poll() would wake them all, for all but one to lose the race to accept).
 * Under light load the same few workers then serve, so the others keep their
 * connection ready by themselves: one that the server closed is replaced at
 * once, and one lost in an outage is retried when the back-off ends. */
static struct {
	int epoll_fd;
	int db_fd;              /* the database socket in the set, or -1 */
	unsigned db_serial;     /* db_idle_socket's serial of that socket */
} idle = { -1, -1, 0 };

static int watch_listener(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = LISTEN_FD };

	idle.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (idle.epoll_fd < 0)
		return -1;
	return epoll_ctl(idle.epoll_fd, EPOLL_CTL_ADD, LISTEN_FD, &ev);
}

/* Puts the current database socket in the set. A closed socket has left it
 * by itself; a new one may have the same number. */
static void watch_database(void)
{
	unsigned serial;
	int fd = db_idle_socket(&serial);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd == idle.db_fd && serial == idle.db_serial)
		return;
	idle.db_fd = fd;
	idle.db_serial = serial;
	if (fd >= 0 && epoll_ctl(idle.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
		epoll_ctl(idle.epoll_fd, EPOLL_CTL_MOD, fd, &ev);
}

/* Waits until a connection is pending or a stop signal came. Returns 1 to
 * accept, 0 to stop. The listening socket is non-blocking, so a worker that
 * loses the race for a connection returns here instead of blocking in accept.
 * The timeout, a second at most, bounds the wait of a signal that lands
 * between the check and epoll_wait(). */
static int wait_for_connection(void)
{
	while (!signals_stop_requested()) {
		struct epoll_event ev;
		int timeout = db_idle_timeout_ms();
		int n;

		watch_database();
		/* The request log is written when the worker has nothing to do. */
		n = epoll_wait(idle.epoll_fd, &ev, 1, 0);
		if (n == 0) {
			log_flush();
			n = epoll_wait(idle.epoll_fd, &ev, 1,
				       timeout < 0 || timeout > 1000 ? 1000 : timeout);
		}
		if (n > 0 && ev.data.fd == LISTEN_FD)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
		if (n >= 0)
			db_idle_check();
	}
	return 0;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

/* Heap growth a worker keeps between requests, at most. glibc keeps what a
 * big request (a bulk of events, a month of statistics) freed below the top
 * of the heap; giving it back keeps every worker's memory flat. The top of
 * the heap is a cheap measure (mallinfo2 walks every free chunk): when it
 * has risen this far since the last trim, the next trim is due. */
#define HEAP_GROWTH_KEPT (256 * 1024)

static void release_free_heap(void)
{
	static char *trimmed_at;
	char *top = sbrk(0);

	if (!trimmed_at)
		trimmed_at = top;
	if (top - trimmed_at > HEAP_GROWTH_KEPT) {
		malloc_trim(0);
		trimmed_at = sbrk(0);
	}
}

static void serve(FCGX_Request *fcgi)
{
	struct request req;

	if (request_init(&req, fcgi) != 0)
		respond_internal(&req);
	else
		routes_dispatch(&req);
	log_request(req.method, req.path ? req.path : "-", req.status,
		    (double)(log_now_usec() - req.started_usec) / 1000.0);
	request_free(&req);
	db_end_request();
	release_free_heap();
}

/* Ends the request. libfcgi closes a connection by shutting it down and then
 * reading whatever nginx still sends (three more system calls), because
 * closing a socket with unread input resets it. A request whose input was read
 * to its end has none, and its connection is closed at once. */
static void finish(FCGX_Request *fcgi)
{
	if (FCGX_GetChar(fcgi->in) == EOF && FCGX_HasSeenEOF(fcgi->in) == EOF)
		FCGX_Detach(fcgi);
	FCGX_Finish_r(fcgi);
}

/* No request may take the host: a worker's address space is held to
 * TELLTALE_WORKER_MEMORY_MB (256), where the largest body, decompressed and
 * parsed, fits with room to spare; past it an allocation fails and the
 * request is refused, not the machine. */
static void limit_address_space(void)
{
#ifndef UNDER_ASAN
	rlim_t bytes = (rlim_t)env_int("TELLTALE_WORKER_MEMORY_MB", 256) << 20;
	struct rlimit limit = { bytes, bytes };

	if (bytes > 0 && setrlimit(RLIMIT_AS, &limit) != 0)
		log_msg("cannot limit the address space to %lu MiB", (unsigned long)(bytes >> 20));
#endif
}

/* `telltale-worker --statement NAME` prints the SQL of a prepared statement,
 * so that a benchmark can run exactly what the worker runs. Returns the exit
 * status. (--routes prints the route table, --nginx-locations nginx's
 * locations for it: see api/routes.h.) */
static int print_statement(const char *name)
{
	for (const struct db_statement *const *t = routes_statements; *t; t++)
		for (const struct db_statement *s = *t; s->name; s++)
			if (strcmp(s->name, name) == 0)
				return puts(s->sql) < 0;
	fprintf(stderr, "no statement %s\n", name);
	return 2;
}

/* `telltale-worker --check-statements` prepares every statement on a
 * connection to DATABASE_URL and says how many: ./stack runs it before
 * starting the pools, since a worker prepares each statement only when it
 * first runs it. Returns the exit status. */
static int check_statements(void)
{
	int n;

	if (db_init("telltale-worker", getenv("DATABASE_URL"), 60000, routes_statements) != 0)
		return 1;
	if ((n = db_prepare_all()) < 0)
		return 1;
	printf("%d statements prepared\n", n);
	return 0;
}

/* `telltale-worker --field-rules` prints the bounds of the shared field
 * rules (pure/fields.h), which a test holds against the SQL domains. */
static int print_field_rules(void)
{
	return printf("{\"http_status\":{\"min\":%d,\"max\":%d},\"http_method\":{\"max_letters\":%d}}\n",
		      FIELD_STATUS_MIN, FIELD_STATUS_MAX, FIELD_METHOD_MAX) < 0;
}

/* `telltale-worker --hash-password` reads a password (one line) from standard
 * input and prints its argon2id hash, so that ./stack can set a password
 * without a second implementation of the hashing. */
static int print_password_hash(void)
{
	char line[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX];
	size_t len;

	if (!fgets(line, sizeof(line), stdin))
		return 2;
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (!password_acceptable(line, len)) {
		fprintf(stderr, "a password must be %d to %d characters\n", PASSWORD_MIN_CHARS,
			PASSWORD_MAX_BYTES);
		return 2;
	}
	if (password_hash(line, len, hash) != 0)
		return 1;
	return puts(hash) < 0;
}

int main(int argc, char **argv)
{
	FCGX_Request fcgi;

	if (argc == 3 && strcmp(argv[1], "--statement") == 0)
		return print_statement(argv[2]);
	if (argc == 2 && strcmp(argv[1], "--routes") == 0)
		return routes_print(stdout) != 0;
	if (argc == 2 && strcmp(argv[1], "--nginx-locations") == 0)
		return routes_print_nginx(stdout) != 0;
	if (argc == 2 && strcmp(argv[1], "--field-rules") == 0)
		return print_field_rules();
	if (argc == 2 && strcmp(argv[1], "--hash-password") == 0)
		return print_password_hash();
	if (argc == 2 && strcmp(argv[1], "--check-statements") == 0)
		return check_statements();
	if (auth_init() != 0)
		return 1;
	replica_init();

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgi, LISTEN_FD, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_msg("cannot initialise FastCGI");
		return 1;
	}
	signals_install();
	limit_address_space();
	fcntl(LISTEN_FD, F_SETFL, fcntl(LISTEN_FD, F_GETFL) | O_NONBLOCK);
	if (watch_listener() != 0) {
		log_msg("cannot watch the listening socket");
		return 1;
	}
	if (env_int("TELLTALE_CONNECT_LAZILY", 0))
		db_connect_lazily();
	if (db_init("telltale-worker", getenv("DATABASE_URL"),
		    env_int("TELLTALE_STATEMENT_TIMEOUT_MS", 5000), routes_statements) != 0) {
		log_msg("out of memory");
		return 1;
	}
	log_msg("worker ready");
	while (wait_for_connection()) {
		if (FCGX_Accept_r(&fcgi) < 0)
			continue;
		serve(&fcgi);
		finish(&fcgi);
	}
	log_msg("worker stopping");   /* after the pending request lines */
	FCGX_Free(&fcgi, 1);
	db_close();
	return 0;
}
