// /metrics-ui — figures and charts.
import { assert, chartDrawn, holdBack, rows, screenshot, settled, test } from '../lib.mjs';
import { S } from '../seed.mjs';

async function cards(page) {
	await page.waitForSelector('#cards');
	return page.$$eval('#cards .card', (cs) => Object.fromEntries(cs.map((c) =>
		[c.querySelector('.label').textContent, c.querySelector('.value').textContent])));
}

const sum = (a) => a.reduce((n, x) => n + (x || 0), 0);

test('/metrics-ui?service_id=… shows totals, error rate, percentiles and three charts', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.checkout.id}`);
	await settled(page);
	const c = await cards(page);
	assert.equal(c.Requests, '5');
	assert.equal(c.Errors, '3');
	assert.equal(c['Error rate'], '60.0 %');
	assert.match(c.p50, /^60 ms$/);
	assert.match(c.p95, /ms$/);
	const status = await chartDrawn(page, '#chart-status');
	assert.deepEqual(status.labels, ['200', '201', '404', '500', '502']);
	assert.deepEqual(status.datasets[0].data, [1, 1, 1, 1, 1]);
	const method = await chartDrawn(page, '#chart-method');
	assert.deepEqual([...method.labels].sort(), ['GET', 'POST', 'PUT']);
	assert.equal(sum(method.datasets[0].data), 5);
	const time = await chartDrawn(page, '#chart-time');
	assert.ok(time.labels.length >= 12, `buckets: ${time.labels.length}`);
	assert.equal(sum(time.datasets[0].data), 2, 'requests without errors over time');
	assert.equal(sum(time.datasets[1].data), 3, 'errors over time');
	assert.ok(await page.locator('#per-service-panel.hidden').count(), 'no per-service table for one service');
	await screenshot(page, 'metrics');
});

test('/metrics-ui: the service filter narrows the figures; all services lists each', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.checkout.id}`);
	await settled(page);
	await page.selectOption('#filters [name=service_id]', S.search.id);
	await page.waitForFunction((id) => new URLSearchParams(location.search).get('service_id') === id, S.search.id);
	await page.waitForFunction(() => document.querySelector('#cards .card .value')?.textContent === '3');
	await settled(page);
	const c = await cards(page);
	assert.equal(c.Errors, '0');
	const status = await chartDrawn(page, '#chart-status');
	assert.deepEqual(status.labels, ['200']);

	await page.selectOption('#filters [name=service_id]', '');
	await page.waitForSelector('#per-service-table');
	await settled(page);
	const r = await rows(page, '#per-service-table');
	assert.ok(r.some((x) => x.startsWith(S.checkout.name) && x.includes(' | 5 | 3 | 60.0 %')), r.join('\n'));
	assert.ok(r.some((x) => x.startsWith(S.search.name) && x.includes(' | 3 | 0 | 0.0 %')), r.join('\n'));
	await chartDrawn(page, '#chart-time');
	await screenshot(page, 'metrics-all');
});

test('/metrics-ui: a service picked while each service loads leaves no region loading', async ({ page }) => {
	// The per-service figures of search are held back until checkout is shown.
	const search = await holdBack(page, (url) => url.pathname === '/v1/metrics' && url.searchParams.get('service_id') === S.search.id);
	try {
		const asked = search.asked();
		await page.goto('/metrics-ui');
		await asked;
		assert.equal(await page.locator('#per-service .state.loading').count(), 1, 'each service is loading');
		await page.selectOption('#filters [name=service_id]', S.checkout.id);
		await page.waitForSelector('#per-service-panel.hidden', { state: 'attached' });
		await search.letGo();
		await settled(page);
		assert.equal((await cards(page)).Requests, '5');
	} finally {
		search.release();
	}
});

test('/metrics-ui: the time window is in the URL', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.checkout.id}&window=1h`);
	await settled(page);
	assert.equal(await page.locator('#filters [name=window]').inputValue(), '1h');
	assert.equal((await cards(page)).Requests, '5');
	const time = await chartDrawn(page, '#chart-time');
	assert.ok([12, 13].includes(time.labels.length), `an hour in buckets of 5 minutes: ${time.labels.length}`);
	await page.selectOption('#filters [name=window]', '7d');
	await page.waitForFunction(() => new URLSearchParams(location.search).get('window') === '7d');
	await settled(page);
	assert.equal((await cards(page)).Requests, '5');
});
