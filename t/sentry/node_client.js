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

async function main() {
  const [dsn, marker] = process.argv.slice(2);
  Sentry.init({
    dsn,
    release: 'node-app@2.0.0',
    environment: 'node-test',
    serverName: 'node-host',
    transport: recordingTransport,
    defaultIntegrations: false,
    tracesSampleRate: 0,
  });
  Sentry.setTag('runner', 'node');
  Sentry.setTag('marker', marker);
  const ids = {};
  ids.message = Sentry.captureMessage(`node message ${marker}`, 'warning');
  try {
    outer(marker);
  } catch (err) {
    ids.exception = Sentry.captureException(err);
  }
  await Sentry.flush(20000);
  const pkg = require('@sentry/node/package.json');
  process.stdout.write(`${JSON.stringify({ ids, statuses, sdk: pkg.version })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
