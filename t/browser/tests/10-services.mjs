// / — services and their keys.
import { api, apiOk, assert, holdBack, rendersAsText, rows, screenshot, settled, test, XSS } from '../lib.mjs';
import { S, uniq } from '../seed.mjs';

test('/ lists the services; a description renders as text', async ({ page }) => {
	await page.goto('/');
	await page.waitForSelector('#services-table');
	await settled(page);
	const names = await rows(page, '#services-table');
	assert.ok(names.some((r) => r.startsWith(`${uniq}-checkout`)), 'checkout is listed');
	assert.ok(names.some((r) => r.startsWith(`${uniq}-search`)), 'search is listed');
	await rendersAsText(page, '#services-table', XSS);
	assert.equal(await page.locator('a[aria-current="page"]').textContent(), 'Services');
	await page.waitForSelector('#health.ok');
	await screenshot(page, 'services');
});

test('/ registers a service, creates a key shown once (with copy), revokes it, deletes the service', async ({ page }) => {
	const name = `${uniq}-fresh`;
	await page.goto('/');
	await settled(page);
	await page.fill('#service-form [name=name]', name);
	await page.fill('#service-form [name=description]', 'made in the browser');
	await page.click('#service-form button[type=submit]');
	await page.waitForSelector(`#services-table tr.selected >> text=${name}`);
	await page.waitForSelector('#keys-panel:not(.hidden)');
	const serviceId = new URL(page.url()).searchParams.get('service');
	assert.match(serviceId, /^[0-9a-f-]{36}$/, 'the selected service is in the URL');
	await page.waitForSelector('#keys >> text=no keys yet');

	await page.fill('#key-form [name=name]', 'ci');
	await page.click('#key-form button[type=submit]');
	const key = (await page.locator('.secret-box .secret').textContent()).trim();
	assert.match(key, /^mkey_[A-Za-z0-9_-]{43}$/, 'the raw key is shown');
	await page.click('.secret-box button.copy');
	await page.waitForSelector('.secret-box >> text=Copied.');
	assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, 'the copy button copied the key');
	await page.waitForSelector('#keys-table');
	const keyRows = await rows(page, '#keys-table');
	assert.equal(keyRows.length, 1);
	assert.ok(keyRows[0].includes(`${key.slice(0, 12)}…`) && keyRows[0].includes('active'), keyRows[0]);
	await screenshot(page, 'services-key');
	await apiOk(201, 'POST', '/v1/logs', {
		json: { method: 'GET', url: 'https://x.example/', path: '/' }, headers: { Authorization: `Bearer ${key}` },
	});

	// Shown once: after a reload the key is nowhere on the page.
	await page.reload();
	await page.waitForSelector('#keys-table');
	assert.equal(await page.locator('.secret-box').count(), 0, 'no key box after a reload');
	assert.ok(!(await page.content()).includes(key), 'the raw key is not on the page any more');

	await page.click('#keys-table button.danger');   // confirm() is accepted
	await page.waitForSelector('#keys-table >> text=revoked');
	const refused = await api('POST', '/v1/logs', {
		json: { method: 'GET', url: 'https://x.example/', path: '/' }, headers: { Authorization: `Bearer ${key}` },
	});
	assert.equal(refused.status, 401, 'the revoked key is refused');

	await page.click(`#services-table tr[data-id="${serviceId}"] button.danger`);
	await page.waitForSelector(`#services-table tr[data-id="${serviceId}"]`, { state: 'detached' });
	assert.equal((await api('GET', `/v1/services/${serviceId}`)).status, 404, 'the service is gone');
	assert.ok(await page.locator('#keys-panel.hidden').count(), 'the keys panel closed');
});

test('/?service=<id> opens with that service\'s keys', async ({ page }) => {
	await page.goto(`/?service=${S.checkout.id}`);
	await page.waitForSelector('#keys-table');
	assert.match(await page.locator('#keys-title').textContent(), new RegExp(`${uniq}-checkout`));
	const keyRows = await rows(page, '#keys-table');
	assert.ok(keyRows.some((r) => r.includes(S.checkoutKey.key_prefix)), 'the seeded key is listed by prefix');
	assert.ok(!(await page.content()).includes(S.checkoutKey.raw_key), 'no raw key on the page');
});

test('/: keys still loading when the service is closed (Back) leave no region loading', async ({ page }) => {
	const keys = await holdBack(page, (url) => url.pathname === `/v1/services/${S.search.id}/keys`);
	try {
		await page.goto('/');
		await page.waitForSelector('#services-table');
		const asked = keys.asked();
		await page.click(`#services-table tr[data-id="${S.search.id}"] button.link`);
		await asked;
		await page.goBack();
		await page.waitForSelector('#keys-panel.hidden', { state: 'attached' });
		await keys.letGo();
		await settled(page);
		assert.equal(await page.locator('#keys').textContent(), '');
	} finally {
		keys.release();
	}
});

test('/ shows a form error from the API (a duplicate name)', async ({ page }) => {
	await page.goto('/');
	await settled(page);
	await page.fill('#service-form [name=name]', `${uniq}-checkout`);
	await page.click('#service-form button[type=submit]');
	await page.waitForSelector('#service-form .form-error:not(.hidden)');
	assert.match(await page.locator('#service-form .form-error').textContent(), /./);
}, { allowConsole: /status of 409/ });
