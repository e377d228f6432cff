// /log/<id> — a log's route, trace and span, and the other requests of its
// trace. The logs of traces come from POST /otlp/v1/traces (seed.mjs).
import { assert, rows, screenshot, settled, test } from '../lib.mjs';
import { S } from '../seed.mjs';

test('/log/<id> of a span shows its route, trace and span; the other requests of its trace link to their pages', async ({ page }) => {
	const { server, client, checkout } = S.trace.logs;
	await page.goto(`/log/${server.id}`);
	await page.waitForSelector('#trace-table');
	await settled(page);
	assert.equal(await page.locator('#log-route').textContent(), '/orders/{id}');
	assert.equal(await page.locator('#log-trace').textContent(), S.trace.id);
	assert.equal(await page.locator('#log-span').textContent(), server.span_id);
	assert.equal(await page.locator('#trace-title').textContent(), 'Other requests in this trace');

	const r = await rows(page, '#trace-table');
	assert.equal(r.length, 2, r.join('\n'));
	assert.ok(!r.some((x) => x.includes(server.span_id)), 'the log itself is not listed');
	const row = (log) => r.find((x) => x.includes(log.span_id));
	assert.match(row(client), /^POST \| \/charges \| 502 \| 80 ms \| /);
	assert.match(row(checkout), /^POST \| \/checkout \| 201 \| 200 ms \| /);
	assert.ok(await page.$eval('#trace-logs', (el) => el.textContent === el.querySelector('table').textContent),
		'nothing but the table: the trace is not cut');
	const links = await page.$$eval('#trace-table td.path a', (as) => as.map((a) => a.getAttribute('href')).sort());
	assert.deepEqual(links, [`/log/${client.id}`, `/log/${checkout.id}`].sort());
	await screenshot(page, 'log-trace');

	await Promise.all([
		page.waitForURL(`**/log/${client.id}`),
		page.click(`#trace-table a[href="/log/${client.id}"]`),
	]);
	await page.waitForSelector('#trace-table');
	assert.equal(await page.locator('#log-span').textContent(), client.span_id);
	assert.equal(await page.locator('#trace-table tbody tr').count(), 2, 'the server span and the checkout span');
});

test('/log/<id>: "all logs of this trace" opens the request log filtered by trace_id', async ({ page }) => {
	await page.goto(`/log/${S.trace.logs.server.id}`);
	await page.waitForSelector('#trace-table');
	await Promise.all([
		page.waitForURL((url) => url.pathname === '/dashboard'),
		page.click('#trace-all'),
	]);
	assert.equal(new URL(page.url()).searchParams.get('trace_id'), S.trace.id);
	await page.waitForFunction(() => !document.querySelector('.state.loading') &&
		document.querySelectorAll('#logs-table tbody tr').length === 3);
	assert.equal(await page.inputValue('#filters [name=trace_id]'), S.trace.id);
	const ids = await page.$$eval('#logs-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id).sort());
	assert.deepEqual(ids, Object.values(S.trace.logs).map((l) => l.id).sort());
	await screenshot(page, 'dashboard-trace');
});

test('/log/<id> alone in its trace says that no other request of the trace is logged', async ({ page }) => {
	await page.goto(`/log/${S.loneTrace.logs.server.id}`);
	await page.waitForSelector('#trace-logs .state.empty');
	assert.match(await page.locator('#trace-logs').textContent(), /No other request of this trace/);
	assert.equal(await page.locator('#log-trace').textContent(), S.loneTrace.id);
	assert.equal(await page.getAttribute('#trace-all', 'href'), `/dashboard?trace_id=${S.loneTrace.id}`);
});

test('/log/<id> of a log without a trace: its derived route, no trace section', async ({ page }) => {
	await page.goto(`/log/${S.logs.login.id}`);
	await page.waitForSelector('#summary');
	await settled(page);
	assert.equal(await page.locator('#log-route').textContent(), '/v1/login');
	assert.equal(await page.locator('#log-trace').textContent(), '–');
	assert.equal(await page.locator('#log-span').textContent(), '–');
	assert.equal(await page.locator('#trace').count(), 0, 'no trace section');
});

test('/dashboard?trace_id=… lists only that trace\'s logs, and the filter is in the form', async ({ page }) => {
	const unknown = '0123456789abcdef0123456789abcdef';
	await page.goto(`/dashboard?trace_id=${unknown}`);
	await page.waitForSelector('#logs .state.empty');
	await settled(page);
	assert.equal(await page.inputValue('#filters [name=trace_id]'), unknown);
	assert.match(await page.locator('#logs').textContent(), /No requests match/);
	await page.fill('#filters [name=trace_id]', '');
	await page.waitForSelector('#logs-table');
	assert.ok(!new URL(page.url()).searchParams.has('trace_id'), 'the filter left the URL');
});
