// /alerts-ui — rules and their fired events. Skipped while the worker does
// not serve /v1/alerts yet.
import http from 'node:http';
import { api, apiOk, assert, rendersAsText, rows, routeServed, screenshot, settled, Skip, test, XSS } from '../lib.mjs';
import { opsLog, S } from '../seed.mjs';

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
