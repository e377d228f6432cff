// t/otel/client.js: an application instrumented with the OpenTelemetry JS SDK
// and configured only through the SDK's standard environment, as
// docs/api.md ("OpenTelemetry ingest") tells one to, reporting into a stack
// (t/1510-otlp-sdks.t).
//
//   node client.js MARKER
//
// NodeSDK makes its exporters itself (traces, logs and metrics, the
// default of each) from
//
//   OTEL_EXPORTER_OTLP_ENDPOINT        http://HOST:PORT/otlp (the SDK adds /v1/traces...)
//   OTEL_EXPORTER_OTLP_PROTOCOL        http/protobuf (the default) or http/json
//   OTEL_EXPORTER_OTLP_TRACES_HEADERS  Authorization=Bearer%20<service key>
//   OTEL_EXPORTER_OTLP_LOGS_HEADERS    Authorization=Bearer%20<application ingest key>
//   OTEL_EXPORTER_OTLP_COMPRESSION     gzip, or none (the default)
//   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES  the resource
//
// The script serves HTTP on a loopback port through a server that
// @opentelemetry/instrumentation-http traces, and calls it with Node's http
// client (traced too, so each call is a CLIENT span and a SERVER span of one
// trace):
//
//   GET  /orders/42?expand=items&token=...  200, http.route /orders/:id (as a router sets it)
//   POST /checkout                          201, http.route set on the span, Set-Cookie
//   GET  /fail                              500
//   GET  /throw                             the handler throws: 500, the exception on the span,
//                                           and an ERROR log record carrying it
//
// each with an Authorization, a Cookie and an X-Request-Id header, which the
// instrumentation records as span attributes. It then emits an INFO and a
// WARN log record and shuts the SDK down, which exports everything, and
// prints one JSON line:
//
//   {"requests": [{method, target, path, status, got, ms, request_id,
//                  trace_id, server: SPAN, client: SPAN}...],
//    "exports": [{path, content_type, content_encoding, status}...],
//    "diagnostics": [the SDK's warnings and errors], "port", "sdk": {versions}}
//
// where a SPAN is what the SDK exported of it (ids, kind, duration in ms,
// status, attributes, events). Exits 0 when it got that far; the caller
// judges the report.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const marker = process.argv[2] || `m${process.pid}`;

const { diag, DiagLogLevel, trace, context, SpanStatusCode, SpanKind } = require('@opentelemetry/api');
const { logs, SeverityNumber } = require('@opentelemetry/api-logs');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { getRPCMetadata, RPCType, hrTimeToMilliseconds } = require('@opentelemetry/core');
const { ATTR_HTTP_ROUTE } = require('@opentelemetry/semantic-conventions');

function version(name) {
	try {
		return JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
	} catch {
		return null;
	}
}

// The SDK's own warnings and errors: a failed export, an answer it could not
// read, a partial success.
const diagnostics = [];
diag.setLogger({
	error: (...a) => { diagnostics.push(`error: ${a.map(String).join(' ')}`); console.error('otel error:', ...a); },
	warn: (...a) => { diagnostics.push(`warn: ${a.map(String).join(' ')}`); console.error('otel warn:', ...a); },
	info: () => {},
	debug: () => {},
	verbose: () => {},
}, DiagLogLevel.WARN);

// The spans of the script's requests, as the instrumentation starts them.
const started = [];

const sdk = new NodeSDK({
	instrumentations: [new HttpInstrumentation({
		headersToSpanAttributes: {
			server: {
				requestHeaders: ['authorization', 'cookie', 'x-request-id'],
				responseHeaders: ['x-order-id', 'set-cookie'],
			},
			client: {
				requestHeaders: ['authorization', 'x-request-id'],
				responseHeaders: ['x-order-id'],
			},
		},
		requestHook: span => started.push(span),
	})],
});
sdk.start();

// Required after start(), so that the instrumentation wraps it.
const http = require('node:http');

// The exporters' requests as they go out through their http.Agent: path,
// content type and encoding, and the status of the answer. (The script's own
// calls use no agent.)
const exportsSent = [];
const addRequest = http.Agent.prototype.addRequest;
http.Agent.prototype.addRequest = function (req, options) {
	if (typeof req.path === 'string' && req.path.includes('/v1/')) {
		const sent = { path: req.path, content_type: null, content_encoding: null, status: null };
		exportsSent.push(sent);
		const headers = () => {
			sent.content_type = req.getHeader('content-type') ?? null;
			sent.content_encoding = req.getHeader('content-encoding') ?? null;
		};
		req.once('response', res => { headers(); sent.status = res.statusCode; });
		req.once('error', err => { headers(); sent.status = `error: ${err.message}`; });
	}
	return addRequest.call(this, req, options);
};

const logger = logs.getLogger('telltale-otel-client', '1.0.0');

// Where the thrown error comes from: two named frames for the stack.
function explode(order) {
	throw new Error(`payment backend refused order ${order} (${marker})`);
}
function handleThrow() {
	explode(7);
}

function onRequest(req, res) {
	const span = trace.getActiveSpan();
	const url = new URL(req.url, 'http://localhost');
	res.setHeader('X-Served-By', 'telltale-otel-client');
	try {
		let m;
		if (req.method === 'GET' && (m = url.pathname.match(/^\/orders\/(\d+)$/))) {
			// What a router (Express, Fastify...) does with the route it matched.
			const rpc = getRPCMetadata(context.active());
			if (rpc && rpc.type === RPCType.HTTP) rpc.route = '/orders/:id';
			res.writeHead(200, { 'Content-Type': 'application/json', 'X-Order-Id': m[1] });
			res.end(JSON.stringify({ id: Number(m[1]), items: [] }));
		} else if (req.method === 'POST' && url.pathname === '/checkout') {
			span.setAttribute(ATTR_HTTP_ROUTE, '/checkout');
			const chunks = [];
			req.on('data', c => chunks.push(c));
			req.on('end', () => {
				res.writeHead(201, { 'Content-Type': 'application/json', 'X-Order-Id': '43',
						     'Set-Cookie': 'cart=cookie-secret-789; HttpOnly' });
				res.end(JSON.stringify({ id: 43, received: Buffer.concat(chunks).length }));
			});
		} else if (req.method === 'GET' && url.pathname === '/fail') {
			res.writeHead(500, { 'Content-Type': 'text/plain' });
			res.end('failed');
		} else if (req.method === 'GET' && url.pathname === '/throw') {
			handleThrow();
		} else {
			res.writeHead(404);
			res.end();
		}
	} catch (err) {
		span.recordException(err);
		span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
		// In the handler's context: the record carries the span's trace.
		logger.emit({
			severityNumber: SeverityNumber.ERROR,
			severityText: 'ERROR',
			body: `GET /throw failed: ${err.message}`,
			exception: err, // exception.type, exception.message, exception.stacktrace
			attributes: { 'http.route': url.pathname, component: 'checkout' },
		});
		res.writeHead(500, { 'Content-Type': 'text/plain' });
		res.end('internal error');
	}
}

const calls = [
	{ method: 'GET', target: '/orders/42?expand=items&token=query-secret-321', status: 200 },
	{ method: 'POST', target: '/checkout', status: 201, body: '{"cart": 43, "password": "hunter2"}' },
	{ method: 'GET', target: '/fail', status: 500 },
	{ method: 'GET', target: '/throw', status: 500 },
];

function call(port, c, n) {
	return new Promise((resolve, reject) => {
		const headers = {
			Authorization: 'Bearer secret-token-123',
			Cookie: 'session=cookie-secret-456',
			'X-Request-Id': `req-${n}-${marker}`,
		};
		if (c.body) headers['Content-Type'] = 'application/json';
		const t0 = process.hrtime.bigint();
		const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.target, headers, agent: false },
			res => {
				res.resume();
				res.on('end', () => resolve({ got: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
			});
		req.on('error', reject);
		req.end(c.body);
	});
}

// What the SDK exported of a span (the SDK's span is its ReadableSpan).
function spanReport(span) {
	const sc = span.spanContext();
	return {
		kind: span.kind === SpanKind.SERVER ? 'SERVER' : span.kind === SpanKind.CLIENT ? 'CLIENT' : String(span.kind),
		name: span.name,
		trace_id: sc.traceId,
		span_id: sc.spanId,
		parent_span_id: span.parentSpanContext ? span.parentSpanContext.spanId : null,
		ms: hrTimeToMilliseconds(span.duration),
		status: { code: span.status.code, message: span.status.message ?? null },
		attributes: span.attributes,
		events: span.events.map(e => ({ name: e.name, attributes: e.attributes })),
	};
}

async function main() {
	const server = http.createServer(onRequest);
	await new Promise(r => server.listen(0, '127.0.0.1', r));
	const port = server.address().port;
	const results = [];
	for (let i = 0; i < calls.length; i++) results.push(await call(port, calls[i], i));
	await new Promise(r => server.close(r));

	logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO',
		      body: `served ${calls.length} requests (${marker})`, attributes: { component: 'checkout' } });
	logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN',
		      body: `checkout slower than usual (${marker})`, attributes: { component: 'checkout' } });

	// Shutting down exports what is left; a refused export makes it fail.
	try {
		await sdk.shutdown();
	} catch (err) {
		diagnostics.push(`shutdown: ${err && err.message || err}`);
	}
	// The other signals' exports may still be under way when one failed.
	for (let i = 0; i < 100 && exportsSent.some(e => e.status === null); i++)
		await new Promise(r => setTimeout(r, 50));

	// (The exporters' own requests get spans that record nothing.)
	const spans = started.filter(s => s.ended === true).map(spanReport);
	const spanOf = (kind, n) => spans.find(s => s.kind === kind &&
		(s.attributes['http.request.header.x-request-id'] || [])[0] === `req-${n}-${marker}`) || null;
	const requests = calls.map((c, n) => {
		const server = spanOf('SERVER', n), client = spanOf('CLIENT', n);
		return {
			method: c.method,
			target: c.target,
			path: c.target.replace(/\?.*/, ''),
			status: c.status,
			got: results[n].got,
			ms: results[n].ms,
			request_id: `req-${n}-${marker}`,
			trace_id: server ? server.trace_id : null,
			server,
			client,
		};
	});
	console.log(JSON.stringify({
		requests,
		exports: exportsSent,
		diagnostics,
		port,
		marker,
		sdk: {
			node: process.version,
			'sdk-node': version('@opentelemetry/sdk-node'),
			'instrumentation-http': version('@opentelemetry/instrumentation-http'),
			'sdk-logs': version('@opentelemetry/sdk-logs'),
			'otlp-exporter-base': version('@opentelemetry/otlp-exporter-base'),
		},
	}));
}

main().catch(err => {
	console.error(err && err.stack || err);
	process.exit(1);
});
