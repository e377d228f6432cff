// /dashboard — the request log and its filters.
import { assert, rendersAsText, rows, screenshot, settled, test, XSS, XSS_SCRIPT } from '../lib.mjs';
import { S } from '../seed.mjs';

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

test('/dashboard pages with next_offset', async ({ page }) => {
	await page.goto(`/dashboard?service_id=${S.checkout.id}&limit=2`);
	await tableRows(page, 2);
	assert.equal(await page.locator('#newer').isDisabled(), true);
	await page.click('#older');
	await tableRows(page, 2);
	assert.equal(new URL(page.url()).searchParams.get('offset'), '2');
	await page.click('#older');
	await tableRows(page, 1);
	assert.equal(await page.locator('#older').isDisabled(), true, 'no page after the last');
	await page.goBack();
	await tableRows(page, 2);
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
