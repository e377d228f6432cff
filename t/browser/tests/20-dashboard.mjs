// /dashboard — the request log and its filters.
import { apiOk, assert, eventually, rendersAsText, rowIds, rows, screenshot, settled, test, XSS, XSS_SCRIPT } from '../lib.mjs';
import { S, serviceWithKey } from '../seed.mjs';

async function tableRows(page, n) {
	await page.waitForFunction((want) => {
		const trs = document.querySelectorAll('#logs-table tbody tr');
		return !document.querySelector('.state.loading') && trs.length === want;
	}, n);
	return rows(page, '#logs-table');
}

test('/dashboard shows a service\'s logs; an error message renders as text', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.checkout.id}`);
	const all = await tableRows(page, 5);
	assert.equal(await page.locator('#filters [name=service_id]').inputValue(), S.checkout.id);
	assert.ok(all.some((r) => r.includes('/v1/login') && r.includes('502') && r.includes('upstream timed out')), all.join('\n'));
	await rendersAsText(page, '#logs-table', XSS);
	await rendersAsText(page, '#logs-table', XSS_SCRIPT);
	await screenshot(page, 'dashboard');
});

test('/dashboard filters narrow the table and live in the URL', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.checkout.id}`);
	await tableRows(page, 5);

	await page.fill('#filters [name=status_code]', '500');
	let r = await tableRows(page, 1);
	assert.ok(r[0].includes('/v1/items'), r[0]);
	await page.waitForFunction(() => new URLSearchParams(location.search).get('status_code') === '500');

	await page.fill('#filters [name=status_code]', '');
	await tableRows(page, 5);
	await page.selectOption('#filters [name=has_error]', 'true');
	r = await tableRows(page, 3);
	assert.ok(r.every((x) => /502|500|404/.test(x)), r.join('\n'));
	assert.equal(new URL(page.url()).searchParams.get('has_error'), 'true');

	await page.selectOption('#filters [name=has_error]', '');
	await page.selectOption('#filters [name=method]', 'PUT');
	r = await tableRows(page, 1);
	assert.ok(r[0].includes('PUT'), r[0]);

	await page.selectOption('#filters [name=method]', '');
	await page.fill('#filters [name=path]', 'cart');
	await tableRows(page, 2);
	await page.fill('#filters [name=min_latency_ms]', '50');
	r = await tableRows(page, 1);
	assert.ok(r[0].includes('PUT'), r[0]);
	const q = new URL(page.url()).searchParams;
	assert.equal(q.get('path'), 'cart');
	assert.equal(q.get('min_latency_ms'), '50');
	await screenshot(page, 'dashboard-filtered');

	await page.click('#clear');
	await page.waitForFunction(() => !location.search.includes('path='));
});

test('/dashboard?status_code=502&service_id=… opens filtered; a row opens /log/<id>', async ({ page }) => {
	await page.goto(`/dashboard?status_code=502&service_id=${S.checkout.id}`);
	const r = await tableRows(page, 1);
	assert.ok(r[0].includes('/v1/login'), r[0]);
	assert.equal(await page.locator('#filters [name=status_code]').inputValue(), '502');
	await page.click('#logs-table tbody tr td.path');
	await page.waitForURL(`**/log/${S.logs.login.id}`);
});

test('/dashboard pages by cursor', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.checkout.id}&limit=2`);
	await tableRows(page, 2);
	assert.equal(await page.locator('#newer').isDisabled(), true);
	await page.click('#older');
	await tableRows(page, 2);
	const q = new URL(page.url()).searchParams;
	assert.ok(q.get('cursor'), 'the page\'s cursor is in the URL');
	assert.equal(q.get('offset'), null);
	await page.click('#older');
	await tableRows(page, 1);
	assert.equal(await page.locator('#older').isDisabled(), true, 'no page after the last');
	await page.goBack();
	await tableRows(page, 2);
});

/** A service with n logs (paths /p/0 … /p/n-1); its log ids as GET /v1/logs
 *  lists them, newest first, in pages of size. */
async function pagedService(name, n, size) {
	const svc = await serviceWithKey(name);
	for (let i = 0; i < n; i++)
		await svc.send({ path: `/p/${i}`, status_code: 200 });
	const { items } = await apiOk(200, 'GET', `/v1/logs?service_id=${svc.service.id}&limit=500`);
	assert.equal(items.length, n);
	const ids = items.map((l) => l.id);
	const pages = [];
	for (let i = 0; i < ids.length; i += size)
		pages.push(ids.slice(i, i + size));
	return { ...svc, pages };
}

const ids = (page) => rowIds(page, '#logs-table');
const summaryText = (page) => page.locator('#summary').textContent();

test('/dashboard: Older three pages and Newer back to the first show the same requests', async ({ page }) => {
	const { service, pages } = await pagedService('walk', 7, 2);
	await page.goto(`/dashboard?service_id=${service.id}&limit=2`);
	await eventually(() => ids(page), pages[0], 'the first page');
	assert.equal(await summaryText(page), 'Requests 1–2, older ones on the next page');
	assert.equal(await page.locator('#newer').isDisabled(), true);
	const cursors = [null];
	for (let i = 1; i <= 3; i++) {
		await page.click('#older');
		await eventually(() => ids(page), pages[i], `page ${i + 1} after Older`);
		const q = new URL(page.url()).searchParams;
		assert.ok(q.get('cursor') && !cursors.includes(q.get('cursor')), `page ${i + 1} has a cursor of its own`);
		cursors.push(q.get('cursor'));
		assert.equal(await page.locator('#newer').isDisabled(), false);
	}
	assert.equal(await summaryText(page), 'Requests 7–7 (the oldest shown)');
	assert.equal(await page.locator('#older').isDisabled(), true, 'no page after the last');
	for (let i = 2; i >= 0; i--) {
		await page.click('#newer');
		await eventually(() => ids(page), pages[i], `page ${i + 1} after Newer`);
		assert.equal(new URL(page.url()).searchParams.get('cursor'), cursors[i], `page ${i + 1}'s URL`);
	}
	assert.equal(await summaryText(page), 'Requests 1–2, older ones on the next page');
	assert.equal(await page.locator('#newer').isDisabled(), true, 'the first page has no newer one');
});

test('/dashboard: a page reloaded, or opened from its URL, shows the same requests', async ({ page, context }) => {
	const { service, pages } = await pagedService('reload', 7, 2);
	await page.goto(`/dashboard?service_id=${service.id}&limit=2`);
	await eventually(() => ids(page), pages[0], 'the first page');
	await page.click('#older');
	await eventually(() => ids(page), pages[1], 'page 2');
	await page.click('#older');
	await eventually(() => ids(page), pages[2], 'page 3');
	const url = page.url();

	await page.reload();
	await eventually(() => ids(page), pages[2], 'page 3 reloaded');
	assert.equal(await summaryText(page), 'Requests 5–6, older ones on the next page');
	await page.click('#newer');
	await eventually(() => ids(page), pages[1], 'Newer after a reload goes back one page');

	const other = await context.newPage();
	await other.goto(url);
	await eventually(() => ids(other), pages[2], 'page 3 opened from its URL');
	assert.equal(await summaryText(other), 'Requests further back, older ones on the next page');
	await other.click('#older');
	await eventually(() => ids(other), pages[3], 'Older from a page opened by its URL');
	await other.click('#newer');
	await other.click('#newer');
	await eventually(() => ids(other), pages[0], 'Newer leads back to the first page');
	assert.equal(await other.locator('#newer').isDisabled(), true);
	await other.close();
});

test('/dashboard: a request that arrives after the first page does not shift the older pages', async ({ page }) => {
	const { service, send, pages } = await pagedService('arrive', 5, 2);
	await page.goto(`/dashboard?service_id=${service.id}&limit=2`);
	await eventually(() => ids(page), pages[0], 'the first page');
	const late = await send({ path: '/late', status_code: 200 });
	await page.click('#older');
	await eventually(() => ids(page), pages[1], 'page 2 as it was before the new request');
	await page.click('#older');
	await eventually(() => ids(page), pages[2], 'page 3 as it was before the new request');
	await page.click('#newer');
	await page.click('#newer');
	await eventually(async () => (await ids(page))[0], late.id, 'the first page, asked again, begins with the new request');
});

test('/dashboard: a URL with an offset opens the first page', async ({ page }) => {
	const { service, pages } = await pagedService('offset', 3, 2);
	await page.goto(`/dashboard?service_id=${service.id}&limit=2&offset=2`);
	await eventually(() => ids(page), pages[0], 'the first page');
	assert.equal(await page.locator('#newer').isDisabled(), true);
	await page.click('#older');
	await eventually(() => ids(page), pages[1], 'page 2');
	assert.equal(new URL(page.url()).searchParams.get('offset'), null, 'the offset has left the URL');
});

test('/dashboard: filters that match nothing show an empty state', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.search.id}&has_error=true`);
	await page.waitForSelector('#logs .state.empty');
	await settled(page);
	assert.match(await page.locator('#logs').textContent(), /No requests match/);
});

test('/dashboard: a bad filter value shows the API\'s message', async ({ page }) => {
	await page.goto('/dashboard?window=custom&since=yesterday-ish');
	await page.waitForSelector('#logs .state.error');
	assert.match(await page.locator('#logs').textContent(), /since/);
}, { allowConsole: /status of 422/ });
