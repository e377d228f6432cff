// /errors — applications.
import { api, apiOk, assert, BASE, rendersAsText, rows, screenshot, settled, test } from '../lib.mjs';
import { S, uniq } from '../seed.mjs';

test('/errors lists the applications', async ({ page }) => {
	await page.goto('/errors');
	await page.waitForSelector('#apps-table');
	await settled(page);
	const r = await rows(page, '#apps-table');
	assert.ok(r.some((x) => x.includes(S.shop.name) && x.includes(`${S.shop.ingest_key.slice(0, 8)}…`)), r.join('\n'));
	assert.equal(await page.locator(`#apps-table a >> text=${S.shop.name}`).first().getAttribute('href'), `/errors/${S.shop.id}`);
	await screenshot(page, 'errors');
});

test('/errors creates an application: the key shown once with a copy button and the DSN; a new key; delete', async ({ page }) => {
	const name = `${uniq}-made <b>here</b>`;
	await page.goto('/errors');
	await settled(page);
	await page.fill('#app-form [name=name]', name);
	await page.click('#app-form button[type=submit]');
	const key = (await page.locator('.secret-box .secret').textContent()).trim();
	assert.match(key, /^[0-9a-f]{32}$/);
	await page.waitForSelector(`#apps-table >> text=${name}`);
	await rendersAsText(page, '#apps-table', name);
	const id = await page.$eval('#apps-table tbody tr:last-child', (tr) => tr.dataset.id);
	const dsn = await page.locator('.secret-box code.dsn').textContent();
	assert.equal(dsn, `${BASE.replace('://', `://${key}@`)}/${id}`);
	await page.click('.secret-box button.copy');
	await page.waitForSelector('.secret-box >> text=Copied.');
	assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
	await screenshot(page, 'errors-key');
	const ingest = (k) => api('POST', `/apps/${id}/events`, {
		json: { occurred_at: new Date().toISOString(), level: 'INFO', message: 'hello' }, headers: { 'X-Ingest-Key': k },
	});
	assert.equal((await ingest(key)).status, 201, 'the key works');

	await page.reload();
	await page.waitForSelector('#apps-table');
	assert.equal(await page.locator('.secret-box').count(), 0, 'no key after a reload');
	assert.ok(!(await page.content()).includes(key), 'the key is not on the page any more');

	await page.click(`#apps-table tr[data-id="${id}"] >> text=New key`);   // confirm() is accepted
	const key2 = (await page.locator('.secret-box .secret').textContent()).trim();
	assert.match(key2, /^[0-9a-f]{32}$/);
	assert.notEqual(key2, key);
	assert.equal((await ingest(key)).status, 403, 'the old key stopped working');
	assert.equal((await ingest(key2)).status, 201, 'the new key works');

	await page.click(`#apps-table tr[data-id="${id}"] >> text=Delete`);
	await page.waitForSelector(`#apps-table tr[data-id="${id}"]`, { state: 'detached' });
	assert.equal((await api('GET', `/apps/${id}`)).status, 404);
});

test('/errors: a taken name shows the API\'s message', async ({ page }) => {
	await page.goto('/errors');
	await settled(page);
	await page.fill('#app-form [name=name]', S.shop.name);
	await page.click('#app-form button[type=submit]');
	await page.waitForSelector('#app-form .form-error:not(.hidden)');
	assert.equal(await page.locator('.secret-box').count(), 0);
	await apiOk(200, 'GET', `/apps/${S.shop.id}`);
}, { allowConsole: /status of 409/ });
