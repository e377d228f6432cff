/* signals: how the worker and telltale-rollup stop. A stop signal only sets a
 * flag; the main loop reads it between units of work, so the request (or the
 * rollup run) in hand always finishes. */
#ifndef TELLTALE_SIGNALS_H
#define TELLTALE_SIGNALS_H

/* SIGTERM, SIGINT, SIGHUP and SIGQUIT request a stop (multiwatch 1.0, as on
 * Debian 12, stops its children with SIGQUIT even when given -s TERM). The
 * handlers do not restart system calls, so a blocking poll() or sleep wakes
 * up. SIGPIPE is ignored: a client gone away is an error return, not a death. */
void signals_install(void);

/* 1 once a stop signal has arrived. */
int signals_stop_requested(void);

#endif
