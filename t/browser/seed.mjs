// The data every page test reads, made through the API as a client would.
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

	// Applications: shop (events of every level, 25 DEBUG ticks) and an empty one.
	S.shop = await apiOk(201, 'POST', `/apps/${encodeURIComponent(`${uniq}-shop`)}`);
	S.emptyApp = await apiOk(201, 'POST', `/apps/${encodeURIComponent(`${uniq}-empty`)}`);
	const ingest = (body) => apiOk(201, 'POST', `/apps/${S.shop.id}/events`, {
		json: body, headers: { 'X-Ingest-Key': S.shop.ingest_key },
	});
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

	const listed = await apiOk(200, 'GET', `/v1/logs?service_id=${S.checkout.id}`);
	assert.equal(listed.items.length, 5, 'the five checkout logs are listed');
	const events = await apiOk(200, 'GET', `/apps/${S.shop.id}/events?limit=50`);
	assert.equal(events.items.length, S.shopEvents, 'the shop events are listed');
	return S;
}

/** Sends a log for the ops service; returns it. */
export function opsLog(fields) {
	return sendLog(S.opsKey.raw_key, log(fields));
}

export { api };
