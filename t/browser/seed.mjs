// The data every page test reads, made through the API as a client would.
import crypto from 'node:crypto';
import { api, apiOk, assert, XSS, XSS_SCRIPT } from './lib.mjs';

export const uniq = `bt-${process.pid}-${Date.now().toString(36)}`;

/** Filled by seed(). */
export const S = {};

function log(fields) {
	return {
		method: 'GET',
		url: `https://api.example.com${fields.path}`,
		latency_ms: 10,
		...fields,
	};
}

async function sendLog(key, body) {
	return apiOk(201, 'POST', '/v1/logs', { json: body, headers: { Authorization: `Bearer ${key}` } });
}

export async function seed() {
	// Services: checkout (5 logs, 3 of them errors) and search (3 logs, none).
	S.checkout = await apiOk(201, 'POST', '/v1/services', {
		json: { name: `${uniq}-checkout`, description: XSS, base_url: 'https://api.example.com' },
	});
	S.search = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-search` } });
	// ops: for the alert and replay tests, which add logs as they go.
	S.ops = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-ops` } });
	S.opsKey = await apiOk(201, 'POST', `/v1/services/${S.ops.id}/keys`, { json: { name: 'ops' } });
	S.opsLog = await sendLog(S.opsKey.raw_key, log({ path: '/health', status_code: 200, latency_ms: 3 }));
	S.checkoutKey = await apiOk(201, 'POST', `/v1/services/${S.checkout.id}/keys`, { json: { name: 'production' } });
	S.searchKey = await apiOk(201, 'POST', `/v1/services/${S.search.id}/keys`, { json: { name: 'production' } });
	const k = S.checkoutKey.raw_key;
	S.logs = {};
	S.logs.cart = await sendLog(k, log({ path: '/v1/cart', status_code: 200, latency_ms: 35, tags: ['eu'] }));
	S.logs.login = await sendLog(k, log({
		method: 'POST', path: '/v1/login', url: 'https://api.example.com/v1/login?lang=en&token=abc',
		status_code: 502, latency_ms: 840.5, error: 'upstream timed out',
		request_headers: { Authorization: 'Bearer s3cr3t', Accept: 'application/json' },
		response_headers: { 'Content-Type': 'application/json' },
		request_body: JSON.stringify({ user: 'ann', password: 'hunter2', remember: true }),
		response_body: JSON.stringify({ error: 'bad gateway', retry: 3 }),
		query_params: { lang: 'en' },
		source_ip: '203.0.113.7', tags: ['eu', 'web'],
	}));
	S.logs.items = await sendLog(k, log({ path: '/v1/items', status_code: 500, latency_ms: 120 }));
	S.logs.xss = await sendLog(k, log({
		path: `/v1/search/${XSS_SCRIPT}`, url: 'https://api.example.com/v1/search', status_code: 404, latency_ms: 15, error: XSS,
		response_body: XSS, tags: [XSS],
	}));
	S.logs.put = await sendLog(k, log({ method: 'PUT', path: '/v1/cart', status_code: 201, latency_ms: 60 }));
	for (let i = 0; i < 3; i++)
		await sendLog(S.searchKey.raw_key, log({ path: `/search?q=${i}`, status_code: 200, latency_ms: 20 + i }));
	await seedRoutes();
	await seedTraces();

	// Applications: shop (events of every level, 25 DEBUG ticks) and an empty one.
	S.shop = await makeApp('shop');
	S.emptyApp = await makeApp('empty');
	const ingest = (body) => ingestEvents(S.shop, body);
	const now = new Date().toISOString();
	const ticks = Array.from({ length: 25 }, (_, i) => ({ occurred_at: now, level: 'debug', message: `tick ${i}` }));
	await ingest(ticks);
	await ingest({ occurred_at: now, level: 'info', message: 'started' });
	await ingest({ occurred_at: now, level: 'warning', message: 'slow disk', tags: { disk: 'sda' } });
	S.declined = await ingest({
		occurred_at: now, level: 'error', message: 'payment declined',
		tags: { region: 'eu', release: 'shop@1.2.3' },
		stack: { frames: [{ file: 'app.py', line: 10, function: 'main' }, { file: 'pay.py', line: 42, function: 'charge' }] },
	});
	S.crash = await ingest({
		occurred_at: now, level: 'critical', message: 'ZeroDivisionError: division by zero',
		stack: { values: [{ type: 'ZeroDivisionError', value: 'division by zero',
			stacktrace: { frames: [{ filename: 'shop/main.py', lineno: 7, function: '<module>' },
				{ filename: 'shop/math.py', lineno: 3, function: 'ratio', context_line: '    return a / b' }] } }] },
	});
	S.xssEvent = await ingest({ occurred_at: now, level: 'error', message: XSS, tags: { note: XSS_SCRIPT } });
	S.shopEvents = 25 + 5;

	await seedTracker();

	const listed = await apiOk(200, 'GET', `/v1/logs?service_id=${S.checkout.id}`);
	assert.equal(listed.items.length, 5, 'the five checkout logs are listed');
	const events = await apiOk(200, 'GET', `/apps/${S.shop.id}/events?limit=50`);
	assert.equal(events.items.length, S.shopEvents, 'the shop events are listed');
	return S;
}

// --- applications, events and issues ------------------------------------------

/** A new application named `${uniq}-${name}`: {id, name, ingest_key, …}. */
export function makeApp(name) {
	return apiOk(201, 'POST', `/apps/${encodeURIComponent(`${uniq}-${name}`)}`);
}

/** Sends an event (or an array of them) to app through /apps/{id}/events. */
export function ingestEvents(app, body) {
	return apiOk(201, 'POST', `/apps/${app.id}/events`, { json: body, headers: { 'X-Ingest-Key': app.ingest_key } });
}

/** Sends a Sentry event to app's store endpoint as an SDK does; returns its
 *  event_id. */
export async function sentryStore(app, event) {
	const answer = await apiOk(200, 'POST', `/api/${app.id}/store/`, {
		json: event, headers: { 'X-Sentry-Auth': `Sentry sentry_key=${app.ingest_key}, sentry_version=7` },
	});
	return answer.id;
}

/** An /apps error event with a stack: a library frame, then the application's
 *  (in_app) frame in module at function. */
export function errorEvent(message, { type = 'ValueError', module = 'app.views', fn = 'checkout', ...fields } = {}) {
	return {
		occurred_at: new Date().toISOString(), level: 'ERROR', message,
		stack: { type, frames: [
			{ module: 'framework.handlers', function: 'dispatch', lineno: 120, in_app: false },
			{ module, function: fn, lineno: 10, in_app: true },
		] },
		...fields,
	};
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** The issues of app (every status, newest seen first), asked again until
 *  ready(items) holds: the rollup keeps the counts, up to about a second behind
 *  the ingest. Fails after about 15 s. */
export async function issuesWhen(app, ready) {
	let items = [];
	for (let i = 0; i < 75; i++) {
		items = (await apiOk(200, 'GET', `/apps/${app.id}/issues?status=all&limit=100`)).items;
		if (ready(items))
			return items;
		await pause(200);
	}
	throw new Error(`the issues of ${app.name} never got there: ${JSON.stringify(items.map((i) => [i.title, i.count]))}`);
}

/** The issues of app once their counts are counts (title → count); returns
 *  title → ISSUE. */
export async function issuesCounted(app, counts) {
	const items = await issuesWhen(app, (list) => list.length === Object.keys(counts).length &&
		list.every((i) => counts[i.title] === i.count));
	return Object.fromEntries(items.map((i) => [i.title, i]));
}

/** The title of the tracker's Sentry issue: its raised exception's type and
 *  value, the value hostile. */
export const LOOKUP_TITLE = `LookupFailed: ${XSS}`;

/** tracker: an application with three issues seen in this order —
 *    boom     "ValueError: boom", 30 /apps events (10, then 20 more last),
 *             prod, release 1.0, tag browser firefox ×20 and chrome ×10;
 *    disk     "disk almost full", 2 WARNING events without a stack, prod, 1.1;
 *    lookup   LOOKUP_TITLE, 1 Sentry event from staging, 2.0: two chained
 *             exceptions, library frames and an in-app frame with context
 *             lines, a request and a user, hostile text here and there —
 *  so that each sort orders them differently. */
async function seedTracker() {
	S.tracker = await makeApp('tracker');
	const boom = (browser) => errorEvent('boom', { environment: 'prod', release: '1.0', tags: { browser } });
	await ingestEvents(S.tracker, Array.from({ length: 10 }, () => boom('firefox')));
	const disk = { occurred_at: new Date().toISOString(), level: 'WARNING', message: 'disk almost full', environment: 'prod', release: '1.1' };
	await ingestEvents(S.tracker, [disk, disk]);
	S.lookupEventId = await sentryStore(S.tracker, {
		level: 'error', platform: 'python', environment: 'staging', release: '2.0',
		tags: { browser: XSS },
		request: { method: 'GET', url: 'https://shop.example.com/orders/7', headers: { 'User-Agent': 'curl/8' } },
		user: { id: '42', email: 'ann@example.com' },
		exception: { values: [
			{ type: 'KeyError', value: "'id'", stacktrace: { frames: [{ filename: 'app/cache.py', function: 'get', lineno: 5, in_app: true }] } },
			{ type: 'LookupFailed', value: XSS, module: 'app.orders', mechanism: { type: 'generic', handled: false },
				stacktrace: { frames: [
					{ filename: 'lib/server.py', function: 'serve', lineno: 300, in_app: false },
					{ filename: 'lib/router.py', function: 'route', lineno: 88, in_app: false },
					{ filename: 'app/orders.py', module: 'app.orders', function: 'load', lineno: 20, in_app: true,
						pre_context: ['def load(orders, k):', '    d = orders.cache()'],
						context_line: '    return d[k]',
						post_context: [XSS_SCRIPT],
						vars: { k: "'id'" } },
				] } },
		] },
	});
	await ingestEvents(S.tracker, Array.from({ length: 20 }, (_, i) => boom(i < 10 ? 'firefox' : 'chrome')));
	const byTitle = await issuesCounted(S.tracker, { 'ValueError: boom': 30, 'disk almost full': 2, [LOOKUP_TITLE]: 1 });
	S.boom = byTitle['ValueError: boom'];
	S.disk = byTitle['disk almost full'];
	S.lookup = byTitle[LOOKUP_TITLE];
}

// --- routes and traces ----------------------------------------------------------

/** The route of orders' log whose route is hostile. */
export const XSS_ROUTE = `/orders/${XSS}`;

/** orders: a service whose logs name their routes, so that each sort of the
 *  routes table orders them differently:
 *    GET /orders/{id}   4 logs of 10, 20, 30 and 40 ms, no error
 *    POST /orders       2 logs of 100 and 300 ms, one a 503
 *    GET /health        1 log of 1 ms
 *    DELETE XSS_ROUTE   1 log of 5 ms, a 500 */
async function seedRoutes() {
	S.orders = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-orders` } });
	S.ordersKey = await apiOk(201, 'POST', `/v1/services/${S.orders.id}/keys`, { json: { name: 'production' } });
	const send = (fields) => sendLog(S.ordersKey.raw_key, log(fields));
	for (const [i, ms] of [10, 20, 30, 40].entries())
		await send({ path: `/orders/${i + 1}`, route: '/orders/{id}', status_code: 200, latency_ms: ms });
	await send({ method: 'POST', path: '/orders', route: '/orders', status_code: 201, latency_ms: 100 });
	await send({ method: 'POST', path: '/orders', route: '/orders', status_code: 503, latency_ms: 300 });
	await send({ path: '/health', route: '/health', status_code: 200, latency_ms: 1 });
	await send({ method: 'DELETE', path: '/orders/x', route: XSS_ROUTE, status_code: 500, latency_ms: 5 });
}

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');

/** An OTLP JSON attribute. */
function attr(key, value) {
	return { key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } };
}

/** An OTLP JSON span of kind (2 server, 3 client) that started a few seconds
 *  ago and lasted ms; http: its HTTP attributes. */
function span(traceId, spanId, kind, name, ms, http) {
	const start = BigInt(Date.now() - 5000) * 1000000n;
	return {
		traceId, spanId, name, kind,
		startTimeUnixNano: String(start),
		endTimeUnixNano: String(start + BigInt(ms) * 1000000n),
		attributes: Object.entries(http).map(([key, value]) => attr(key, value)),
	};
}

/** traced: a service whose logs come from one export to POST /otlp/v1/traces
 *  (OTLP JSON), each HTTP span one log:
 *    S.trace       a trace of three HTTP spans: the server span
 *                  GET /orders/42 (route /orders/{id}), a client span it made,
 *                  and a server span POST /checkout; and an internal span,
 *                  which makes no log. {id, logs: {server, client, checkout}}
 *    S.loneTrace   a trace of one server span. {id, logs: {server}} */
async function seedTraces() {
	S.traced = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-traced` } });
	S.tracedKey = await apiOk(201, 'POST', `/v1/services/${S.traced.id}/keys`, { json: { name: 'otel' } });
	const trace = { id: hex(16), spans: { server: hex(8), client: hex(8), checkout: hex(8) } };
	const lone = { id: hex(16), spans: { server: hex(8) } };
	const server = { 'url.scheme': 'https', 'server.address': 'shop.example.com' };
	const spans = [
		span(trace.id, trace.spans.server, 2, 'GET /orders/{id}', 120, { ...server,
			'http.request.method': 'GET', 'url.path': '/orders/42', 'http.route': '/orders/{id}', 'http.response.status_code': 200 }),
		{ ...span(trace.id, trace.spans.client, 3, 'POST', 80, {
			'http.request.method': 'POST', 'url.full': 'https://pay.example.com/charges', 'http.response.status_code': 502 }),
		parentSpanId: trace.spans.server },
		span(trace.id, trace.spans.checkout, 2, 'POST /checkout', 200, { ...server,
			'http.request.method': 'POST', 'url.path': '/checkout', 'http.route': '/checkout', 'http.response.status_code': 201 }),
		span(trace.id, hex(8), 1, 'render', 3, {}),
		span(lone.id, lone.spans.server, 2, 'GET /health', 2, { ...server,
			'http.request.method': 'GET', 'url.path': '/health', 'http.response.status_code': 200 }),
	];
	const res = await api('POST', '/otlp/v1/traces', {
		json: { resourceSpans: [{
			resource: { attributes: [attr('service.name', S.traced.name)] },
			scopeSpans: [{ spans }],
		}] },
		headers: { Authorization: `Bearer ${S.tracedKey.raw_key}` },
	});
	assert.equal(res.status, 200, `POST /otlp/v1/traces → 200 (got ${res.status}: ${JSON.stringify(res.json)})`);
	S.trace = await traceLogs(trace, 3);
	S.loneTrace = await traceLogs(lone, 1);
}

/** {id, logs: name → LOG} of trace ({id, spans: name → span id}), read back
 *  with GET /v1/logs?trace_id=; checks that it has n logs. */
async function traceLogs(trace, n) {
	const { items } = await apiOk(200, 'GET', `/v1/logs?trace_id=${trace.id}`);
	assert.equal(items.length, n, `the trace ${trace.id} has ${n} logs`);
	const logs = {};
	for (const [name, spanId] of Object.entries(trace.spans)) {
		logs[name] = items.find((l) => l.span_id === spanId);
		assert.ok(logs[name], `the log of span ${name} (${spanId})`);
	}
	return { id: trace.id, logs };
}

/** A new service named `${uniq}-${name}` with a key: {service, send(fields)},
 *  send posting a log (GET https://api.example.com/<path>, 10 ms unless
 *  fields say) and answering it. */
export async function serviceWithKey(name) {
	const service = await apiOk(201, 'POST', '/v1/services', { json: { name: `${uniq}-${name}` } });
	const key = await apiOk(201, 'POST', `/v1/services/${service.id}/keys`, { json: { name: 'production' } });
	return { service, send: (fields) => sendLog(key.raw_key, log(fields)) };
}

/** Sends a log for the ops service; returns it. */
export function opsLog(fields) {
	return sendLog(S.opsKey.raw_key, log(fields));
}

export { api };
