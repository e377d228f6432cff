#!/usr/bin/env node
// Reports into telltale with npm's @sentry/node, unmodified.
//
//     node t/sentry/node_client.js DSN MARKER
//
// Sends, with release, environment, serverName and tags set:
//   - captureMessage("node message MARKER", "warning")
//   - captureException of a TypeError thrown two calls deep (stack frames)
// then flushes and prints one JSON line: the event ids, and the HTTP status of
// every envelope the SDK sent, so the test can tell that none was refused.
// Exits 2 when @sentry/node is not installed (npm ci in t/sentry): the test
// fails, it does not skip.
'use strict';

let Sentry;
try {
  Sentry = require('@sentry/node');
} catch (err) {
  process.stderr.write(`@sentry/node is not installed (cd t/sentry && npm ci): ${err.message}\n`);
  process.exit(2);
}

const statuses = [];

// The SDK's own transport, watched: every envelope's answer is recorded.
function recordingTransport(options) {
  const transport = Sentry.makeNodeTransport(options);
  return {
    send: async (envelope) => {
      const items = envelope[1].map((item) => item[0].type).join(',');
      try {
        const res = await transport.send(envelope);
        statuses.push([items, res && res.statusCode]);
        return res;
      } catch (err) {
        statuses.push([items, String(err)]);
        throw err;
      }
    },
    flush: (timeout) => transport.flush(timeout),
  };
}

function inner(marker) {
  throw new TypeError(`node exception ${marker}`);
}

function outer(marker) {
  inner(marker);
}

function elsewhere(marker) {
  throw new TypeError(`node exception ${marker}`);
}

async function main() {
  // A third argument: only the exception, from that release.
  const [dsn, marker, release] = process.argv.slice(2);
  Sentry.init({
    dsn,
    release: release || 'node-app@2.0.0',
    environment: 'node-test',
    serverName: 'node-host',
    transport: recordingTransport,
    defaultIntegrations: false,
    tracesSampleRate: 0,
  });
  Sentry.setTag('runner', 'node');
  Sentry.setTag('marker', marker);
  const ids = {};
  if (release) {
    try {
      outer(marker);
    } catch (err) {
      ids.exception = Sentry.captureException(err);
    }
    await Sentry.flush(20000);
    process.stdout.write(`${JSON.stringify({ ids, statuses })}\n`);
    return;
  }
  ids.message = Sentry.captureMessage(`node message ${marker}`, 'warning');
  for (const name of ['exception', 'exception_again']) {
    try {
      outer(marker);
    } catch (err) {
      ids[name] = Sentry.captureException(err);
    }
  }
  try {
    elsewhere(marker);
  } catch (err) {
    ids.elsewhere = Sentry.captureException(err);
  }
  ids.order_a = Sentry.captureMessage('order 17 failed after 2.5 s');
  ids.order_b = Sentry.captureMessage('order 4242 failed after 30.75 s');
  Sentry.withScope((scope) => {
    scope.setFingerprint(['payment-provider-down']);
    scope.setExtra('api_token', 'node-secret-token');
    scope.setUser({ id: 'u-1', email: 'ann@example.com' });
    ids.custom_a = Sentry.captureMessage('stripe timed out');
    ids.custom_b = Sentry.captureMessage('adyen refused the connection');
  });
  await Sentry.flush(20000);
  const pkg = require('@sentry/node/package.json');
  process.stdout.write(`${JSON.stringify({ ids, statuses, sdk: pkg.version })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
