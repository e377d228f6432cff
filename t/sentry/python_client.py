#!/usr/bin/python3
"""Reports into telltale with Debian's python3-sentry-sdk, unmodified.

    /usr/bin/python3 t/sentry/python_client.py DSN MARKER

Sends, with release, environment, server_name and tags set:
  - capture_message("python message MARKER", level="warning")
  - capture_exception of a ValueError raised two calls deep (stack frames)
  - capture_exception of a RuntimeError raised from a KeyError (a chain: the
    message must be the last exception's "type: value")
  - a session (an envelope without any event item)
then flushes and prints one JSON line: the event ids, and the HTTP status of
every request the SDK made, so the test can tell that none was refused.
Exits 2 when the SDK cannot be imported: the test fails, it does not skip."""

import json
import sys

try:
    import sentry_sdk
except ImportError as exc:
    print("python3-sentry-sdk is not installed (apt-get install python3-sentry-sdk): %s" % exc,
          file=sys.stderr)
    sys.exit(2)

STATUSES = []


def record_statuses(client):
    """Wraps the transport's connection pool to see each answer's status."""
    pool = getattr(client.transport, "_pool", None)
    if pool is None:
        STATUSES.append(["unobservable", 0])
        return
    request = pool.request

    def recording(method, url, *args, **kwargs):
        response = request(method, url, *args, **kwargs)
        STATUSES.append([str(url).rstrip("/").rsplit("/", 1)[-1], response.status])
        return response

    pool.request = recording


def inner(marker):
    raise ValueError("python exception %s" % marker)


def outer(marker):
    inner(marker)


def elsewhere(marker):
    raise ValueError("python exception %s" % marker)


def chained(marker):
    try:
        {}["missing"]
    except KeyError as exc:
        raise RuntimeError("python chained %s" % marker) from exc


def main():
    dsn, marker = sys.argv[1], sys.argv[2]
    # A third argument: only the exception, from that release.
    release = sys.argv[3] if len(sys.argv) > 3 else None
    sentry_sdk.init(
        dsn=dsn,
        release=release or "py-app@1.2.3",
        environment="py-test",
        server_name="py-host",
        default_integrations=False,
        auto_session_tracking=False,
        shutdown_timeout=10,
    )
    hub = sentry_sdk.Hub.current
    record_statuses(hub.client)
    sentry_sdk.set_tag("runner", "python")
    sentry_sdk.set_tag("marker", marker)
    ids = {}
    if release:
        try:
            outer(marker)
        except ValueError:
            ids["exception"] = sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=20)
        print(json.dumps({"ids": ids, "statuses": STATUSES, "sdk": sentry_sdk.VERSION}))
        return
    hub.start_session()
    ids["message"] = sentry_sdk.capture_message("python message %s" % marker, level="warning")
    for name in ("exception", "exception_again"):
        try:
            outer(marker)
        except ValueError:
            ids[name] = sentry_sdk.capture_exception()
    try:
        elsewhere(marker)
    except ValueError:
        ids["elsewhere"] = sentry_sdk.capture_exception()
    ids["order_a"] = sentry_sdk.capture_message("order 17 failed after 2.5 s")
    ids["order_b"] = sentry_sdk.capture_message("order 4242 failed after 30.75 s")
    with sentry_sdk.push_scope() as scope:
        scope.fingerprint = ["payment-provider-down"]
        scope.set_extra("api_token", "py-secret-token")
        scope.set_user({"id": "u-1", "email": "ann@example.com"})
        ids["custom_a"] = sentry_sdk.capture_message("stripe timed out")
        ids["custom_b"] = sentry_sdk.capture_message("adyen refused the connection")
    try:
        chained(marker)
    except RuntimeError:
        ids["chained"] = sentry_sdk.capture_exception()
    hub.end_session()
    sentry_sdk.flush(timeout=20)
    print(json.dumps({"ids": ids, "statuses": STATUSES, "sdk": sentry_sdk.VERSION}))


if __name__ == "__main__":
    main()
