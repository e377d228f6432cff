// /metrics-ui — the routes table (GET /v1/metrics/routes): its sorts, and its
// links to the request log.
import { assert, rendersAsText, rows, screenshot, settled, test, XSS } from '../lib.mjs';
import { S, XSS_ROUTE } from '../seed.mjs';

/** The routes table's rows once it has n of them. */
async function routeRows(page, n) {
	await page.waitForFunction((want) => !document.querySelector('.state.loading') &&
		document.querySelectorAll('#routes-table tbody tr').length === want, n);
	return rows(page, '#routes-table');
}

/** The routes of the table's rows, in order ("METHOD route"). */
const routesOf = (list) => list.map((r) => r.split(' | ').slice(0, 2).join(' '));

/** The heading the table is sorted by. */
const sortedBy = (page) => page.getAttribute('#routes-table th[aria-sort="descending"] button', 'data-sort');

test('/metrics-ui?service_id=… lists the routes by count with error rates and percentiles', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.orders.id}`);
	await settled(page);
	const r = await routeRows(page, 4);
	assert.equal(r[0], 'GET | /orders/{id} | 4 | 0.0 % | 25 ms | 38.5 ms | 39.7 ms');
	assert.equal(r[1], 'POST | /orders | 2 | 50.0 % | 200 ms | 290 ms | 298 ms');
	assert.deepEqual(routesOf(r.slice(2)).sort(), [`DELETE ${XSS_ROUTE}`, 'GET /health'].sort());
	assert.equal(await sortedBy(page), 'count');
	await rendersAsText(page, '#routes-table', XSS);
	await screenshot(page, 'metrics-routes');
});

test('/metrics-ui: the Error rate and p95 headings sort the routes again with sort=, kept in the URL', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.orders.id}`);
	await routeRows(page, 4);

	const errorRate = page.waitForRequest((req) => new URL(req.url()).pathname === '/v1/metrics/routes' &&
		new URL(req.url()).searchParams.get('sort') === 'error_rate');
	await page.click('#routes-table button[data-sort="error_rate"]');
	await errorRate;
	await page.waitForFunction(() => new URLSearchParams(location.search).get('sort') === 'error_rate');
	await page.waitForSelector('#routes-table th[aria-sort="descending"] button[data-sort="error_rate"]');
	let r = await routeRows(page, 4);
	assert.deepEqual(routesOf(r.slice(0, 2)), [`DELETE ${XSS_ROUTE}`, 'POST /orders'], r.join('\n'));
	assert.ok(r[0].includes(' | 100.0 % | '), r[0]);

	await page.click('#routes-table button[data-sort="p95"]');
	await page.waitForSelector('#routes-table th[aria-sort="descending"] button[data-sort="p95"]');
	r = await routeRows(page, 4);
	assert.deepEqual(routesOf(r), ['POST /orders', 'GET /orders/{id}', `DELETE ${XSS_ROUTE}`, 'GET /health']);
	assert.equal(new URL(page.url()).searchParams.get('sort'), 'p95');
	assert.equal(new URL(page.url()).searchParams.get('service_id'), S.orders.id, 'the service stays');
	await screenshot(page, 'metrics-routes-p95');

	await page.reload();
	r = await routeRows(page, 4);
	assert.equal(await sortedBy(page), 'p95', 'the sort comes back from the URL');
	assert.deepEqual(routesOf(r), ['POST /orders', 'GET /orders/{id}', `DELETE ${XSS_ROUTE}`, 'GET /health']);

	await page.click('#routes-table button[data-sort="count"]');
	await page.waitForFunction(() => !new URLSearchParams(location.search).has('sort'));
	r = await routeRows(page, 4);
	assert.deepEqual(routesOf(r.slice(0, 2)), ['GET /orders/{id}', 'POST /orders']);
});

test('/metrics-ui: the routes follow the service picked; a route opens its requests in the request log', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.checkout.id}`);
	let r = await routeRows(page, 5);
	assert.ok(r.some((x) => x.startsWith('POST | /v1/login | 1 | 100.0 % | ')), r.join('\n'));
	await page.selectOption('#filters [name=service_id]', S.orders.id);
	r = await routeRows(page, 4);
	assert.ok(r[0].startsWith('GET | /orders/{id} | 4 |'), r[0]);

	await Promise.all([
		page.waitForURL((url) => url.pathname === '/dashboard'),
		page.click('#routes-table tbody tr:first-child td.path a'),
	]);
	const q = new URL(page.url()).searchParams;
	assert.equal(q.get('route'), '/orders/{id}');
	assert.equal(q.get('method'), 'GET');
	assert.equal(q.get('service_id'), S.orders.id);
	assert.ok(q.get('since') && q.get('until'), 'the window the table counted');
	await page.waitForFunction(() => !document.querySelector('.state.loading') &&
		document.querySelectorAll('#logs-table tbody tr').length === 4);
	assert.equal(await page.inputValue('#filters [name=route]'), '/orders/{id}');
	const paths = await page.$$eval('#logs-table td.path', (tds) => tds.map((td) => td.textContent).sort());
	assert.deepEqual(paths, ['/orders/1', '/orders/2', '/orders/3', '/orders/4']);
	await screenshot(page, 'dashboard-route');
});

test('/dashboard: the route filter is exact and lives in the URL', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.orders.id}`);
	await page.waitForSelector('#logs-table');
	await page.fill('#filters [name=route]', '/orders');
	await page.waitForFunction(() => new URLSearchParams(location.search).get('route') === '/orders');
	await page.waitForFunction(() => !document.querySelector('.state.loading') &&
		document.querySelectorAll('#logs-table tbody tr').length === 2);
	assert.deepEqual(await page.$$eval('#logs-table tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent)),
		['POST', 'POST'], 'the two POST /orders, not /orders/{id}');
});

test('/metrics-ui: a window without requests shows that the routes table is empty', async ({ page }) => {
	await page.goto(`/metrics-ui?service_id=${S.orders.id}&since=2001-01-01T00:00:00Z&until=2001-01-02T00:00:00Z`);
	await page.waitForSelector('#routes .state.empty');
	await settled(page);
	assert.match(await page.locator('#routes').textContent(), /No requests in this window/);
	assert.equal(await page.locator('#routes-table').count(), 0);
});
