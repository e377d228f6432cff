/* conns: the FastCGI connections of one worker, and its wait between requests.
 * nginx keeps its connections to the pool open (fastcgi_keep_conn), which
 * saves each request a connection's set-up and tear-down on both sides; a
 * worker serves any of the connections it holds, so none of them ties it up
 * while nginx keeps it idle. */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>

#include "conns.h"
#include "db.h"
#include "log.h"
#include "signals.h"

/* More than nginx keeps idle per pool (its upstream's keepalive, 32): a
 * worker runs out only while nginx has that many requests in flight to it. */
#define CONNS_MAX 64
/* Epoll tags besides a connection's slot number. */
#define TAG_LISTEN CONNS_MAX
#define TAG_DATABASE (CONNS_MAX + 1)

static struct {
	FCGX_Request slot[CONNS_MAX];
	char watched[CONNS_MAX];   /* the slot's connection is in the set */
	int listen_fd;
	int listening;          /* the listening socket is in the set */
	int epoll_fd;
	int db_fd;              /* the database socket in the set, or -1 */
	unsigned db_serial;     /* db_idle_socket's serial of that socket */
	int stopping;           /* a stop signal came: serve what is waiting */
	int drain_left;         /* requests a stopping worker still serves */
	int current;            /* the slot of the request in hand, or -1 */
} conns = { .epoll_fd = -1, .db_fd = -1, .current = -1 };

static int watch(int fd, unsigned tag, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	if (epoll_ctl(conns.epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	return epoll_ctl(conns.epoll_fd, EPOLL_CTL_MOD, fd, &ev);
}

/* EPOLLEXCLUSIVE wakes one idle worker per new connection (without it, all
 * would wake for all but one to lose the race to accept). */
static void start_listening(void)
{
	if (!conns.listening && !conns.stopping)
		conns.listening = watch(conns.listen_fd, TAG_LISTEN, EPOLLIN | EPOLLEXCLUSIVE) == 0;
}

static void stop_listening(void)
{
	if (conns.listening)
		epoll_ctl(conns.epoll_fd, EPOLL_CTL_DEL, conns.listen_fd, NULL);
	conns.listening = 0;
}

/* Slot I's connection has closed, and left the set with it. */
static void forget(int i)
{
	conns.watched[i] = 0;
	start_listening();
}

/* The request in hand has become slow (db_on_slow_wait). nginx does not know
 * which worker is busy: it may send a request on any other connection this
 * worker holds, where it would wait for this one to end. The worker closes
 * them all, so that nginx passes a request it has sent on one again on
 * another connection (fastcgi_next_upstream), to a worker that is free, and
 * sends no more to this one meanwhile. */
static void release_others(void)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (i != conns.current && conns.slot[i].ipcFd >= 0) {
			FCGX_Detach(&conns.slot[i]);
			FCGX_Free(&conns.slot[i], 1);
			forget(i);
		}
}

int conns_init(int listen_fd)
{
	conns.listen_fd = listen_fd;
	for (int i = 0; i < CONNS_MAX; i++)
		if (FCGX_InitRequest(&conns.slot[i], -1, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
			return -1;
	/* A worker that loses the race for a connection returns to its wait
	 * instead of blocking in accept. */
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	conns.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (conns.epoll_fd < 0)
		return -1;
	db_on_slow_wait(release_others);
	start_listening();
	return conns.listening ? 0 : -1;
}

/* Puts the current database socket in the set, so that an idle worker sees
 * the server close it and replaces it at once (under light load the same few
 * workers serve, and the others keep their connection ready by themselves). A
 * closed socket has left the set by itself; a new one may have the same
 * number. */
static void watch_database(void)
{
	unsigned serial;
	int fd = db_idle_socket(&serial);

	if (fd == conns.db_fd && serial == conns.db_serial)
		return;
	conns.db_fd = fd;
	conns.db_serial = serial;
	if (fd >= 0)
		watch(fd, TAG_DATABASE, EPOLLIN);
}

/* A stop signal came. The worker takes no new connection, and serves the
 * requests nginx has already sent on those it holds (at most one for each)
 * before it closes them; nginx passes a request that meets a connection
 * closed under it on another (fastcgi_next_upstream in nginx/fastcgi.conf). */
static void begin_stop(void)
{
	conns.stopping = 1;
	conns.drain_left = CONNS_MAX;
	stop_listening();
}

/* Waits until a connection or the listening socket is ready, and returns its
 * tag, or -1 to stop. The request log is written when the worker has nothing
 * else to do. The timeout, a second at most, bounds the wait of a signal that
 * lands between the check and epoll_wait(). */
static int wait_ready(void)
{
	for (;;) {
		struct epoll_event ev;
		int timeout = db_idle_timeout_ms();
		int n;

		if (!conns.stopping && signals_stop_requested())
			begin_stop();
		if (conns.stopping && conns.drain_left-- <= 0)
			return -1;
		watch_database();
		n = epoll_wait(conns.epoll_fd, &ev, 1, 0);
		if (n == 0 && conns.stopping)
			return -1;
		if (n == 0) {
			log_flush();
			n = epoll_wait(conns.epoll_fd, &ev, 1,
				       timeout < 0 || timeout > 1000 ? 1000 : timeout);
		}
		if (n > 0 && ev.data.u32 != TAG_DATABASE)
			return (int)ev.data.u32;
		if (n < 0 && errno != EINTR)
			return -1;
		if (n >= 0)
			db_idle_check();
	}
}

static int free_slot(void)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (conns.slot[i].ipcFd < 0)
			return i;
	return -1;
}

/* The next request on slot I's connection, or on a new connection from the
 * listening socket when ACCEPT is set. A slot knows the listening socket only
 * then: when nginx has closed a kept connection, libfcgi would otherwise take
 * a new one in its place, whose number the set may not hold. 0, or -1 when
 * there is none (the race for a new connection lost, the kept one closed). */
static int accept_request(int i, int accept)
{
	FCGX_Request *req = &conns.slot[i];
	int rc;

	req->listen_sock = accept ? conns.listen_fd : -1;
	rc = FCGX_Accept_r(req);
	req->listen_sock = -1;
	if (rc < 0 || conns.watched[i])
		return rc < 0 ? -1 : 0;
	if (watch(req->ipcFd, (unsigned)i, EPOLLIN) != 0) {
		FCGX_Free(req, 1);
		return -1;
	}
	conns.watched[i] = 1;
	return 0;
}

FCGX_Request *conns_next(void)
{
	int tag;

	while ((tag = wait_ready()) >= 0) {
		int i = tag == TAG_LISTEN ? free_slot() : tag;

		if (i < 0) {
			stop_listening();   /* until a connection closes */
			continue;
		}
		if (accept_request(i, tag == TAG_LISTEN) == 0) {
			conns.current = i;
			return &conns.slot[i];
		}
		if (conns.slot[i].ipcFd < 0)
			forget(i);
	}
	return NULL;
}

/* libfcgi closes a connection by shutting it down and then reading whatever
 * nginx still sends (three more system calls), because closing a socket with
 * unread input resets it; a kept connection must be read to the end of the
 * request's body, or the rest would be taken for the next request. */
void conns_finish(FCGX_Request *req)
{
	char rest[4096];
	int at_end = FCGX_GetChar(req->in) == EOF && FCGX_HasSeenEOF(req->in) == EOF;

	if (req->keepConnection)
		while (!at_end && FCGX_GetStr(rest, sizeof rest, req->in) > 0)
			;
	else if (at_end)
		FCGX_Detach(req);
	FCGX_Finish_r(req);
	if (req->ipcFd < 0)
		forget((int)(req - conns.slot));
	conns.current = -1;
}

void conns_close(void)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (conns.slot[i].ipcFd >= 0) {
			FCGX_Detach(&conns.slot[i]);
			FCGX_Free(&conns.slot[i], 1);
		}
}
