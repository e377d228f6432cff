// /alerts-ui — rules and their fired events. Skipped while the worker does
// not serve /v1/alerts yet.
import http from 'node:http';
import { api, apiOk, assert, eventually, rendersAsText, rows, routeServed, screenshot, settled, Skip, test, XSS } from '../lib.mjs';
import { opsLog, S, serviceWithKey } from '../seed.mjs';

async function needAlerts() {
	if (!(await routeServed('GET', '/v1/alerts')))
		throw new Skip('the worker does not serve /v1/alerts yet');
}

test('/alerts-ui creates a rule, shows the events it fired, deletes it', async ({ page }) => {
	await needAlerts();
	await page.goto(`/alerts-ui?service_id=${S.ops.id}`);
	await settled(page);
	assert.equal(await page.locator('#rule-form [name=service_id]').inputValue(), S.ops.id);
	const name = `5xx ${XSS}`;
	await page.fill('#rule-form [name=name]', name);
	await page.selectOption('#rule-form [name=condition_field]', 'status_code');
	await page.selectOption('#rule-form [name=condition_operator]', '>=');
	await page.fill('#rule-form [name=condition_value]', '500');
	await page.click('#rule-form button[type=submit]');
	await page.waitForSelector('#rules-table');
	const r = await rows(page, '#rules-table');
	assert.ok(r.some((x) => x.includes('status_code >= 500')), r.join('\n'));
	await rendersAsText(page, '#rules-table', name);
	const rule = (await apiOk(200, 'GET', `/v1/alerts?service_id=${S.ops.id}`)).find((a) => a.name === name);
	assert.ok(rule, 'the rule exists');

	const fired = await opsLog({ path: '/v1/pay', status_code: 503, latency_ms: 70 });
	await opsLog({ path: '/v1/pay', status_code: 200, latency_ms: 70 });
	await page.click(`#rules-table tr[data-id="${rule.id}"] td:nth-child(3)`);
	await page.waitForSelector('#alert-events-table');
	assert.equal(new URL(page.url()).searchParams.get('alert'), rule.id);
	const ev = await rows(page, '#alert-events-table');
	assert.equal(ev.length, 1, ev.join('\n'));
	assert.ok(ev[0].includes('status_code') && ev[0].includes('503'), ev[0]);
	assert.equal(await page.locator('#alert-events-table a').getAttribute('href'), `/log/${fired.id}`);
	await screenshot(page, 'alerts');

	await page.click(`#rules-table tr[data-id="${rule.id}"] button.danger`);
	await page.waitForSelector(`#rules-table tr[data-id="${rule.id}"]`, { state: 'detached' }).catch(() => {});
	assert.equal((await api('GET', `/v1/alerts/${rule.id}`)).status, 404, 'the rule is gone');
	assert.ok(await page.locator('#events-panel.hidden').count(), 'its events closed');
});

test('/alerts-ui: a value that does not coerce shows the API\'s message', async ({ page }) => {
	await needAlerts();
	await page.goto(`/alerts-ui?service_id=${S.search.id}`);
	await settled(page);
	await page.fill('#rule-form [name=name]', 'bad');
	await page.selectOption('#rule-form [name=condition_field]', 'error');
	await page.selectOption('#rule-form [name=condition_operator]', '>');
	await page.fill('#rule-form [name=condition_value]', 'maybe');
	await page.click('#rule-form button[type=submit]');
	await page.waitForSelector('#rule-form .form-error:not(.hidden)');
	await page.waitForSelector('#rules .state.empty');
}, { allowConsole: /status of 422/ });

test('/alerts-ui?alert=… shows a webhook\'s delivery', async ({ page }) => {
	await needAlerts();
	const hits = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			hits.push(body);
			res.writeHead(204);
			res.end();
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	try {
		const rule = await apiOk(201, 'POST', '/v1/alerts', { json: {
			service_id: S.ops.id, name: 'slow', condition_field: 'latency_ms', condition_operator: '>',
			condition_value: '1000', webhook_url: `http://127.0.0.1:${server.address().port}/hook`,
		} });
		const slow = await opsLog({ path: '/v1/slow', status_code: 200, latency_ms: 2500 });
		const deadline = Date.now() + 15000;
		while (!hits.length && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
		assert.equal(hits.length, 1, 'the notifier delivered the webhook (the stack must admit 127.0.0.1: REPLAY_ALLOW=127.0.0.1/32)');
		let events;
		while (Date.now() < deadline) {
			events = await apiOk(200, 'GET', `/v1/alerts/${rule.id}/events`);
			if (events.items[0] && events.items[0].delivery_status === 'delivered')
				break;
			await new Promise((r) => setTimeout(r, 100));
		}
		await page.goto(`/alerts-ui?service_id=${S.ops.id}&alert=${rule.id}`);
		await page.waitForSelector('#alert-events-table');
		await settled(page);
		const ev = await rows(page, '#alert-events-table');
		assert.equal(ev.length, 1, ev.join('\n'));
		assert.ok(ev[0].includes('latency_ms') && ev[0].includes('2500') && ev[0].includes('delivered'), ev[0]);
		assert.equal(await page.locator('#alert-events-table a').getAttribute('href'), `/log/${slow.id}`);
		const r = await rows(page, '#rules-table');
		assert.ok(r.some((x) => x.includes('latency_ms > 1000') && !x.includes('never')), r.join('\n'));
		await screenshot(page, 'alerts-webhook');
		await apiOk(204, 'DELETE', `/v1/alerts/${rule.id}`);
	} finally {
		server.close();
	}
}, { timeout: 30000 });

/** The log ids of the events in the table shown (each links its request). */
const eventLogs = (page) => page.$$eval('#alert-events-table tbody tr a',
	(links) => links.map((a) => a.getAttribute('href').replace('/log/', '')));

/** The log ids of rule's events as GET /v1/alerts/{id}/events lists them once
 *  there are n, newest first, in pages of 20 (the page's size). */
async function firedPages(rule, n) {
	let items = [];
	const deadline = Date.now() + 15000;
	while (Date.now() < deadline) {
		items = (await apiOk(200, 'GET', `/v1/alerts/${rule.id}/events?limit=500`)).items;
		if (items.length >= n)
			break;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.equal(items.length, n, `the rule fired ${n} times`);
	const ids = items.map((e) => e.log_id);
	const pages = [];
	for (let i = 0; i < ids.length; i += 20)
		pages.push(ids.slice(i, i + 20));
	return pages;
}

test('/alerts-ui pages a rule\'s events by cursor: Older, Newer, a reload, a new event', async ({ page }) => {
	await needAlerts();
	const { service, send } = await serviceWithKey('alert-pages');
	const rule = await apiOk(201, 'POST', '/v1/alerts', { json: {
		service_id: service.id, name: 'every 5xx', condition_field: 'status_code', condition_operator: '>=',
		condition_value: '500',
	} });
	for (let i = 0; i < 65; i++)
		await send({ path: `/fail/${i}`, status_code: 500 });
	const pages = await firedPages(rule, 65);
	assert.deepEqual(pages.map((p) => p.length), [20, 20, 20, 5]);

	await page.goto(`/alerts-ui?service_id=${service.id}&alert=${rule.id}`);
	await eventually(() => eventLogs(page), pages[0], 'the first page');
	assert.equal(await page.locator('#newer').isDisabled(), true);
	const cursors = [null];
	for (let i = 1; i <= 3; i++) {
		await page.click('#older');
		await eventually(() => eventLogs(page), pages[i], `page ${i + 1} after Older`);
		const cursor = new URL(page.url()).searchParams.get('cursor');
		assert.ok(cursor && !cursors.includes(cursor), `page ${i + 1} has a cursor of its own`);
		cursors.push(cursor);
	}
	assert.equal(await page.locator('#older').isDisabled(), true);
	for (let i = 2; i >= 0; i--) {
		await page.click('#newer');
		await eventually(() => eventLogs(page), pages[i], `page ${i + 1} after Newer`);
		assert.equal(new URL(page.url()).searchParams.get('cursor'), cursors[i], `page ${i + 1}'s URL`);
	}
	assert.equal(await page.locator('#newer').isDisabled(), true);

	// A reload of page 2 shows page 2, and Newer still leads to the first.
	await page.click('#older');
	await eventually(() => eventLogs(page), pages[1], 'page 2');
	await page.reload();
	await eventually(() => eventLogs(page), pages[1], 'page 2 reloaded');
	assert.equal(new URL(page.url()).searchParams.get('alert'), rule.id);
	await page.click('#newer');
	await eventually(() => eventLogs(page), pages[0], 'the first page again');

	// An event fired after the first page was shown does not shift the others.
	await send({ path: '/fail/late', status_code: 500 });
	await firedPages(rule, 66);
	await page.click('#older');
	await eventually(() => eventLogs(page), pages[1], 'page 2 as it was before the new event');
	await page.click('#older');
	await eventually(() => eventLogs(page), pages[2], 'page 3 as it was before the new event');
	await apiOk(204, 'DELETE', `/v1/alerts/${rule.id}`);
}, { timeout: 60000 });
